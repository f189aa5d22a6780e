package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ManualClock;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.testing.Await;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The key exchange of short codes in one JVM, over a board in memory that keeps one value per key (last
 * write wins), with attackers, replays and racing offerers.
 */
class PakeHandshakeTest {
    private static final PakeHandshake.Settings FAST = new PakeHandshake.Settings(Duration.ofSeconds(20),
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5));
    private static final PakeHandshake.Settings SHORT = new PakeHandshake.Settings(Duration.ofSeconds(2),
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5));

    private final MemoryNameplates board = new MemoryNameplates();
    private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final SecureRandom random = new SecureRandom();
    /** This machine's memory of spent codes, shared by its offerers and answerers. */
    private final SpentCodes spent = SpentCodes.inMemory();

    private PakeHandshake peer(PakeHandshake.Settings settings, IntUnaryOperator picks) {
        return new PakeHandshake(board, settings, clock, spent, random, picks);
    }

    /** A peer on another machine: a memory of spent codes of its own. */
    private PakeHandshake elsewhere() {
        return new PakeHandshake(board, FAST, clock, SpentCodes.inMemory(), random, n -> 7);
    }

    private PakeHandshake peer() {
        return peer(FAST, n -> 7);
    }

    /** A code at the same nameplate with other words. */
    private static ShortCode otherWords(ShortCode code) {
        return new ShortCode(code.nameplate(), (code.first() + 1) % 256, code.second());
    }

    private static NodeId probe(SharedSecret secret) {
        return secret.dhtKey("probe");
    }

    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> s) {
        return CompletableFuture.supplyAsync(s, r -> {
            Thread t = new Thread(r, "pake-test");
            t.setDaemon(true);
            t.start();
        });
    }

    private static Throwable failure(CompletableFuture<?> f) {
        Throwable t = Await.failure("the exchange to fail", f);
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void theRightCodeGivesBothSidesTheSameSecretAndTheWordsNeverReachTheBoard() {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim claim = offerer.claim(null, null);
        assertEquals(7, claim.code().nameplate());
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        PakeHandshake.Result answered = peer().join(ShortCode.parse(claim.code().toString().toUpperCase()), null);
        PakeHandshake.Result offeredResult = Await.result("the offerer's side", offered);
        assertEquals(probe(offeredResult.secret()), probe(answered.secret()));
        for (MemoryNameplates.Write w : board.recorded) {
            String seen = new String(w.value(), java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase();
            assertFalse(seen.contains(claim.code().firstWord()) || seen.contains(claim.code().secondWord()), "the words stay home");
        }
        // A second exchange with the same code (on machines that have not used it) gives another key: the
        // scalars are ephemeral.
        clock.advance(Duration.ofMinutes(5));
        PakeHandshake otherOfferer = elsewhere();
        PakeHandshake.Claim again = otherOfferer.claim(claim.code(), null);
        CompletableFuture<PakeHandshake.Result> second = async(() -> otherOfferer.awaitAnswerer(again, null));
        PakeHandshake.Result answeredAgain = elsewhere().join(claim.code(), null);
        assertEquals(probe(Await.result("the second exchange", second).secret()), probe(answeredAgain.secret()));
        assertNotEquals(probe(answered.secret()), probe(answeredAgain.secret()));
    }

    @Test
    void aSecretMixedIntoThePasswordMustMatchToo() {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim claim = offerer.claim(null, "tulip-anvil-42");
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, "tulip-anvil-42"));
        assertThrows(WrongCodeException.class, () -> peer().join(claim.code(), "another secret"));
        assertInstanceOf(WrongCodeException.class, failure(offered));
    }

    @Test
    void aWrongCodeFailsBothSidesWithTheMessageAndUsesTheCodeUp() {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        WrongCodeException answererFailure = assertThrows(WrongCodeException.class, () -> peer().join(otherWords(claim.code()), null));
        assertEquals("wrong code, or someone interfered: start again with a new code", answererFailure.getMessage());
        Throwable offererFailure = failure(offered);
        assertInstanceOf(WrongCodeException.class, offererFailure);
        assertEquals(WrongCodeException.MESSAGE, offererFailure.getMessage());
        // The right code, typed now, meets a spent code: the guess has been had.
        assertThrows(WrongCodeException.class, () -> peer(SHORT, n -> 7).join(claim.code(), null));
    }

    @Test
    void aThirdPartyAnsweringFirstHasOneGuessAndBothRealPeersFailCleanly() throws Exception {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        // The attacker knows the nameplate (it is public) but not the words: it guesses.
        assertThrows(WrongCodeException.class, () -> peer().join(otherWords(claim.code()), null));
        assertInstanceOf(WrongCodeException.class, failure(offered));
        WrongCodeException late = assertThrows(WrongCodeException.class, () -> peer(SHORT, n -> 7).join(claim.code(), null));
        assertEquals(WrongCodeException.MESSAGE, late.getMessage());
    }

    @Test
    void aThirdPartysInjectedClaimGetsTheAnswerersReplyButCannotConfirmIt() throws Exception {
        PakeHandshake offerer = peer(SHORT, n -> 7);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        // The attacker replaces the claim with its own SPAKE2 message, made with a guess of the words, and plays
        // the offerer's part to the end: it confirms with the MAC its guess gives.
        ShortCode guess = otherWords(claim.code());
        byte[] id = new byte[PakeMessage.ID_LENGTH];
        Arrays.fill(id, (byte) 0xff);
        Spake2 attacker = Spake2.start(Spake2.Role.A, PasswordScalar.of(guess.password(null)), random);
        board.write(7, Side.OFFERER, PakeMessage.claim(id, clock.instant().plusSeconds(60), attacker.message()).encode());
        CompletableFuture<PakeHandshake.Result> answered = async(() -> peer().join(claim.code(), null));
        Await.until("the answerer's reply to the injected claim", Await.DEADLINE, () -> board.read(7, Side.ANSWERER) != null && board.read(7, Side.ANSWERER).length > 0);
        PakeMessage reply = PakeMessage.decode(board.read(7, Side.ANSWERER));
        assertTrue(reply.isFor(id));
        Spake2.Keys keys = attacker.finish(reply.point(), PakeHandshake.ID_A, PakeHandshake.ID_B, PakeHandshake.aad(7, id));
        assertFalse(keys.confirms(reply.mac()), "the attacker's one guess was wrong");
        board.write(7, Side.OFFERER, PakeMessage.confirmed(id, clock.instant().plusSeconds(60), keys.ourConfirmation()).encode());
        assertEquals(WrongCodeException.MESSAGE, failure(answered).getMessage());
        // The real offerer got no reply to its own claim: it restores its claim and, here, runs out of time.
        SignalingException offererEnd = assertThrows(SignalingException.class, () -> offerer.awaitAnswerer(claim, null));
        assertTrue(offererEnd.getMessage().startsWith("no answerer replied"), offererEnd.getMessage());
    }

    @Test
    void replaysOfAnEarlierExchangeAreReadPastOrSpendTheCodeWithoutAGuess() {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim first = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(first, null));
        peer().join(first.code(), null);
        Await.result("the first exchange", offered);
        byte[] oldClaim = first.message().encode();
        byte[] oldReply = board.read(7, Side.ANSWERER);
        byte[] oldConfirmation = board.read(7, Side.OFFERER);
        clock.advance(Duration.ofMinutes(5));  // the first exchange's values have expired

        // Replayed whole, they are read past: a new exchange on the same nameplate works.
        board.write(7, Side.OFFERER, oldConfirmation);
        PakeHandshake.Claim second = offerer.claim(null, null);
        assertEquals(7, second.code().nameplate(), "expired values leave the nameplate free");
        board.write(7, Side.ANSWERER, oldReply);  // naming the old exchange: not a reply to this one
        board.write(7, Side.OFFERER, oldClaim);  // over the new claim: the offerer writes its claim again
        CompletableFuture<PakeHandshake.Result> secondOffered = async(() -> offerer.awaitAnswerer(second, null));
        Await.until("the offerer to restore its claim", Await.DEADLINE,
                () -> PakeMessage.decode(board.read(7, Side.OFFERER)).isFor(second.id()));
        PakeHandshake.Result answered = peer().join(second.code(), null);
        assertEquals(probe(Await.result("the second exchange", secondOffered).secret()), probe(answered.secret()));

        // An old reply relabelled with a new claim's id is checked (it is a reply to that claim) and fails: the
        // code is spent, and the replayer learns nothing, having no scalar behind the old message.
        clock.advance(Duration.ofMinutes(5));
        PakeHandshake.Claim third = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> thirdOffered = async(() -> offerer.awaitAnswerer(third, null));
        PakeMessage old = PakeMessage.decode(oldReply);
        board.write(7, Side.ANSWERER, PakeMessage.reply(third.id(), old.expires(), old.point(), old.mac()).encode());
        assertInstanceOf(WrongCodeException.class, failure(thirdOffered));
    }

    @Test
    void twoOfferersClaimingOneNameplateAtOnceEndOnTwoNameplatesAndBothConnect() {
        board.raceWrites(7, 2);  // both read 7 as free, then both write: one of the writes is lost
        AtomicInteger picks = new AtomicInteger();
        IntUnaryOperator script = n -> picks.getAndIncrement() < 2 ? 7 : 8;
        PakeHandshake a = peer(FAST, script);
        PakeHandshake b = peer(FAST, script);
        CompletableFuture<PakeHandshake.Claim> claimA = async(() -> a.claim(null, null));
        CompletableFuture<PakeHandshake.Claim> claimB = async(() -> b.claim(null, null));
        PakeHandshake.Claim ca = Await.result("A's claim", claimA);
        PakeHandshake.Claim cb = Await.result("B's claim", claimB);
        assertEquals(List.of(7, 8), List.of(ca.code().nameplate(), cb.code().nameplate()).stream().sorted().toList(),
                "the offerer whose claim was lost noticed before showing its code, and moved");
        CompletableFuture<PakeHandshake.Result> offeredA = async(() -> a.awaitAnswerer(ca, null));
        CompletableFuture<PakeHandshake.Result> offeredB = async(() -> b.awaitAnswerer(cb, null));
        CompletableFuture<PakeHandshake.Result> answeredA = async(() -> peer().join(ca.code(), null));
        CompletableFuture<PakeHandshake.Result> answeredB = async(() -> peer().join(cb.code(), null));
        assertEquals(probe(Await.result("A", offeredA).secret()), probe(Await.result("A's answerer", answeredA).secret()));
        assertEquals(probe(Await.result("B", offeredB).secret()), probe(Await.result("B's answerer", answeredB).secret()));
        assertNotEquals(probe(Await.result("A", offeredA).secret()), probe(Await.result("B", offeredB).secret()));
    }

    /**
     * A claim written at the nameplate after the code was shown (id 00.., so that the old rule, "the smaller id
     * keeps the nameplate", made the offerer move): the offerer keeps its nameplate and its code, writes its
     * claim again, and its answerer meets it. Moving let anyone who writes a claim send the offerer away, the
     * users back to passing a code, and the answerer to the writer's claim.
     */
    @Test
    void aClaimWrittenAfterTheCodeWasShownDoesNotMoveTheOfferer() {
        PakeHandshake offerer = peer();
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        byte[] zeros = new byte[PakeMessage.ID_LENGTH];
        Spake2 intruder = Spake2.start(Spake2.Role.A, PasswordScalar.of(otherWords(claim.code()).password(null)), random);
        board.write(7, Side.OFFERER, PakeMessage.claim(zeros, clock.instant().plusSeconds(60), intruder.message()).encode());
        Await.until("the offerer to write its claim again in place of the other", Await.DEADLINE,
                () -> PakeMessage.decode(board.read(7, Side.OFFERER)).isFor(claim.id()));
        PakeHandshake.Result answered = peer().join(claim.code(), null);
        assertEquals(probe(Await.result("the offerer, on the code it showed", offered).secret()), probe(answered.secret()));
        assertTrue(board.recorded.stream().noneMatch(w -> w.nameplate() != 7), "nobody moved: " + board.recorded);
    }

    @Test
    void aTypedCodeWhoseNameplateIsInUseIsRefusedAndJunkDoesNotBlockANameplate() {
        PakeHandshake.Claim claim = peer().claim(null, null);
        SignalingException inUse = assertThrows(SignalingException.class, () -> peer().claim(otherWords(claim.code()), null));
        assertTrue(inUse.getMessage().contains("nameplate 7 is in use"), inUse.getMessage());
        board.write(9, Side.OFFERER, "junk that is not a key exchange value".getBytes());
        assertEquals(9, peer(FAST, n -> 9).claim(null, null).code().nameplate());
    }
}
