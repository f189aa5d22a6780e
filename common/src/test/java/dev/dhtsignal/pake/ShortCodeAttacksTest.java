package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ManualClock;
import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.testing.Await;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a third party who can write the nameplate keys (anyone) tries against short codes: holding the
 * nameplates, and getting more than one guess at a code's words. Over a board in memory; the same attacks
 * against the real programs are in ShortCodeIT and scripts/attack-shortcodes.sh.
 */
class ShortCodeAttacksTest {
    private static final PakeHandshake.Settings FAST = new PakeHandshake.Settings(Duration.ofSeconds(20),
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5));
    private static final PakeHandshake.Settings SHORT = new PakeHandshake.Settings(Duration.ofSeconds(2),
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5));
    private static final Instant YEAR_3000 = Instant.parse("3000-01-01T00:00:00Z");

    private final MemoryNameplates board = new MemoryNameplates();
    private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final SecureRandom random = new SecureRandom();
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @TempDir
    Path home;

    /** This machine's memory of spent codes, as the programs keep it: in a file. */
    private SpentCodes spentHere() {
        return SpentCodes.in(home.resolve("spent-codes"), warnings::add);
    }

    /** A program run on this machine: a new handshake, reading the same memory of spent codes. */
    private PakeHandshake run(PakeHandshake.Settings settings, IntUnaryOperator picks) {
        return new PakeHandshake(board, settings, clock, spentHere(), random, picks);
    }

    /** The third party: keeps no memory of anything, and picks what it likes. */
    private PakeHandshake attacker() {
        return new PakeHandshake(board, SHORT, clock, SpentCodes.inMemory(), random, n -> 7);
    }

    private static ShortCode otherWords(ShortCode code) {
        return new ShortCode(code.nameplate(), (code.first() + 1) % 256, code.second());
    }

    private static <T> CompletableFuture<T> async(Supplier<T> s) {
        return CompletableFuture.supplyAsync(s, r -> {
            Thread t = new Thread(r, "pake-attack-test");
            t.setDaemon(true);
            t.start();
        });
    }

    private static byte[] abandonedUntil(Instant expires, int salt) {
        byte[] id = new byte[PakeMessage.ID_LENGTH];
        Arrays.fill(id, (byte) salt);
        return PakeMessage.abandoned(id, expires).encode();
    }

    // ------------------------------------------------------------------------------------------ squatting

    /**
     * The original network's squat: an "abandoned" value (29 bytes) at every offerer key, 1..9999, saying it
     * expires in the year 3000; the DHT keeps each for its 7-day TTL. Every offerer used to find no free
     * nameplate after 20 tries. Now such expiries are not believed: a code is made at once, works, and a
     * code typed there works too (the answerer does not read the marker as "the code was used").
     */
    @Test
    void abandonedValuesThatSayTheyExpireInTheYear3000HoldNoNameplate() {
        for (int n = 1; n <= ShortCode.MAX_NAMEPLATE; n++) {
            board.write(n, Side.OFFERER, abandonedUntil(YEAR_3000, n));
        }
        PakeHandshake offerer = run(FAST, null);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        assertTrue(claim.code().nameplate() <= NameplateChoice.FIRST_RANGE, "a short code as usual: " + claim.code());
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        PakeHandshake.Result answered = run(FAST, null).join(claim.code(), null);
        assertEquals(answered.secret().dhtKey("probe"), Await.result("the offerer", offered).secret().dhtKey("probe"));

        // A code agreed beforehand whose nameplate holds such a value still works on both sides.
        ShortCode agreed = new ShortCode(4321, 17, 42);
        PakeHandshake typed = run(FAST, null);
        PakeHandshake.Claim typedClaim = typed.claim(agreed, null);
        board.writeElsewhere(4321, Side.OFFERER, abandonedUntil(YEAR_3000, 99));  // still seen beside the claim
        CompletableFuture<PakeHandshake.Result> typedOffered = async(() -> typed.awaitAnswerer(typedClaim, null));
        PakeHandshake.Result typedAnswered = new PakeHandshake(board, FAST, clock, SpentCodes.inMemory(), random, null).join(agreed, null);
        assertEquals(typedAnswered.secret().dhtKey("probe"), Await.result("the typed code's offerer", typedOffered).secret().dhtKey("probe"));
    }

    /** Someone keeps live-looking claims at 1..99 (and rewrites them): codes get longer, they do not stop. */
    @Test
    void whenTheFirstNameplatesAreHeldTheChoiceWidens() {
        for (int n = 1; n <= 999; n++) {
            byte[] id = new byte[PakeMessage.ID_LENGTH];
            Arrays.fill(id, (byte) n);
            Spake2 squatter = Spake2.start(Spake2.Role.A, PasswordScalar.of(new byte[] {1}), random);
            board.write(n, Side.OFFERER, PakeMessage.claim(id, clock.instant().plusSeconds(60), squatter.message()).encode());
        }
        PakeHandshake.Claim claim = run(FAST, null).claim(null, null);
        assertTrue(claim.code().nameplate() > 999, "past the held ones: " + claim.code());
    }

    /**
     * A put that fails (on Mainline: an item written with seq 2^63-1, which no write can pass; on either
     * network: nodes that refuse) is "busy, try another": the offerer used to fail at the first such nameplate.
     * An answerer key that cannot be written makes the nameplate busy too (no answerer could reply there).
     */
    @Test
    void aNameplateThatCannotBeWrittenIsBusyNotAFailure() {
        board.refused = (n, side) -> n <= 99 && side == Side.OFFERER || n == 123 && side == Side.ANSWERER;
        int[] script = {7, 31, 55, 123, 456};
        int[] next = {0};
        PakeHandshake.Claim claim = run(FAST, range -> script[next[0]++]).claim(null, null);
        assertEquals(456, claim.code().nameplate(), "past 3 refused offerer keys and a refused answerer key");
        SignalingException typed = assertThrows(SignalingException.class, () -> run(FAST, null).claim(new ShortCode(7, 1, 2), null));
        assertTrue(typed.getMessage().startsWith("cannot use the code 7-") && typed.getMessage().contains("refuses writes"),
                typed.getMessage());
    }

    // ------------------------------------------------------------------------------------------ guesses

    /**
     * Two guesses at one code, as reported: the attacker answers the claim with guess 1 (the offerer abandons
     * it), then posts its own claim with a smaller id, and a node still shows the offerer's "abandoned" marker
     * beside it. The answerer used to take the smaller id and reply to it, testing guess 2 (here the right
     * words: it confirmed the attacker). Now a marker of an ended exchange spends the code: no reply at all.
     */
    @Test
    void anAnswererDoesNotTestAClaimPostedAfterTheOffererAbandonedTheCode() {
        PakeHandshake offerer = run(FAST, n -> 7);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        assertThrows(WrongCodeException.class, () -> attacker().join(otherWords(claim.code()), null));  // guess 1
        assertInstanceOf(WrongCodeException.class, Await.failure("the offerer to abandon the code", offered));
        byte[] abandoned = board.read(7, Side.OFFERER);
        assertEquals(PakeMessage.Kind.ABANDONED, PakeMessage.decode(abandoned).kind());

        byte[] zeros = new byte[PakeMessage.ID_LENGTH];
        Spake2 guess2 = Spake2.start(Spake2.Role.A, PasswordScalar.of(claim.code().password(null)), random);  // a lucky guess
        board.write(7, Side.OFFERER, PakeMessage.claim(zeros, clock.instant().plusSeconds(60), guess2.message()).encode());
        board.writeElsewhere(7, Side.OFFERER, abandoned);
        board.write(7, Side.ANSWERER, new byte[0]);
        assertThrows(WrongCodeException.class, () -> run(FAST, null).join(claim.code(), null));
        assertEquals(0, board.read(7, Side.ANSWERER).length, "the answerer replied to nothing: it tested no guess");

        // The marker erased, the answerer run again with the code: it remembers the code as spent.
        board.clearElsewhere(7, Side.OFFERER);
        SignalingException again = assertThrows(SignalingException.class, () -> run(FAST, null).join(claim.code(), null));
        assertTrue(again.getMessage().contains("was used on this machine already"), again.getMessage());
        assertEquals(0, board.read(7, Side.ANSWERER).length, "still no reply");
    }

    /**
     * Two claims at once (the offerer's, and one with id 00.. on another node): the answerer used to reply to
     * the smaller id, the intruder's, every time. Now it replies to neither until one is left.
     */
    @Test
    void anAnswererTakesNoClaimWhileTwoAreThere() {
        PakeHandshake offerer = run(FAST, n -> 7);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        byte[] zeros = new byte[PakeMessage.ID_LENGTH];
        Spake2 intruder = Spake2.start(Spake2.Role.A, PasswordScalar.of(claim.code().password(null)), random);
        board.writeElsewhere(7, Side.OFFERER, PakeMessage.claim(zeros, clock.instant().plusSeconds(60), intruder.message()).encode());
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        SignalingException stuck = assertThrows(SignalingException.class, () -> run(SHORT, null).join(claim.code(), null));
        assertTrue(stuck.getMessage().contains("claims of 2 exchanges were there at once"), stuck.getMessage());
        assertEquals(0, board.read(7, Side.ANSWERER).length, "no reply to either claim");

        board.clearElsewhere(7, Side.OFFERER);  // the intruder's node forgets it: the offerer's claim is the one left
        PakeHandshake.Result answered = new PakeHandshake(board, FAST, clock, SpentCodes.inMemory(), random, null).join(claim.code(), null);
        assertEquals(answered.secret().dhtKey("probe"), Await.result("the offerer", offered).secret().dhtKey("probe"));
    }

    /**
     * A third guess: the attacker answers with a wrong guess (the offerer abandons), erases the public
     * "abandoned" marker, and the offerer is run again with the same code (it was given one). It used to claim
     * the nameplate again and check another reply. Now this machine remembers the code as spent.
     */
    @Test
    void anOffererRunAgainWithASpentCodeRefusesIt() throws Exception {
        ShortCode given = new ShortCode(7, 100, 200);
        PakeHandshake first = run(FAST, null);
        PakeHandshake.Claim claim = first.claim(given, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> first.awaitAnswerer(claim, null));
        assertThrows(WrongCodeException.class, () -> attacker().join(otherWords(given), null));
        assertInstanceOf(WrongCodeException.class, Await.failure("the offerer to abandon the code", offered));
        board.write(7, Side.OFFERER, new byte[0]);  // the marker erased
        board.write(7, Side.ANSWERER, new byte[0]);

        int writes = board.recorded.size();
        SignalingException again = assertThrows(SignalingException.class, () -> run(FAST, null).claim(given, null));
        assertTrue(again.getMessage().contains("was used on this machine already"), again.getMessage());
        assertEquals(writes, board.recorded.size(), "nothing written: no claim for another guess");
        // The memory says nothing of the words.
        String file = new String(java.nio.file.Files.readAllBytes(home.resolve("spent-codes")), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(!file.contains(given.firstWord()) && !file.contains(given.secondWord()) && !file.contains("7-"), file);
        assertEquals(List.of(), warnings);
    }

    /**
     * The answerer's side: a claim it replied to was the attacker's (one guess, against this side), and the
     * answerer, run again with the same code, would reply to the next claim there (another guess). Now it
     * refuses a code it has replied with, whatever claim is there.
     */
    @Test
    void anAnswererRunAgainWithACodeItTriedRefusesIt() {
        ShortCode code = new ShortCode(7, 3, 4);
        PakeHandshake fake = attacker();
        PakeHandshake.Claim fakeClaim = fake.claim(otherWords(code), null);
        CompletableFuture<PakeHandshake.Result> tested = async(() -> fake.awaitAnswerer(fakeClaim, null));
        assertThrows(WrongCodeException.class, () -> run(FAST, null).join(code, null));
        assertInstanceOf(WrongCodeException.class, Await.failure("the attacker's check", tested));

        board.write(7, Side.OFFERER, new byte[0]);  // the attacker erases the marker of its failed exchange
        board.write(7, Side.ANSWERER, new byte[0]);
        PakeHandshake.Claim second = attacker().claim(new ShortCode(7, 5, 6), null);  // a claim for another guess
        SignalingException again = assertThrows(SignalingException.class, () -> run(FAST, null).join(code, null));
        assertTrue(again.getMessage().contains("was used on this machine already"), again.getMessage());
        assertEquals(0, board.read(7, Side.ANSWERER).length, "no reply to " + second.code());
    }

    // ------------------------------------------------------------------------------------------ stopping

    /**
     * A program stopped while it waits clears its claim, and the claim stays cleared. The stop runs beside the
     * waiting thread, which used to find its claim gone, take that for someone overwriting it, and write it
     * again: the process then exited with its claim on the DHT, and the next answerer replied to it and
     * waited in vain (ShortCodeIT failed so when the machine was busy).
     */
    @Test
    void aWithdrawnClaimStaysClearedWhileTheWaitingThreadRunsOn() {
        PakeHandshake offerer = run(FAST, n -> 7);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = async(() -> offerer.awaitAnswerer(claim, null));
        offerer.withdraw();
        Throwable end = Await.failure("the wait to end", offered);
        assertTrue(end.getMessage().startsWith("stopped"), end.toString());
        assertEquals(0, board.read(7, Side.OFFERER).length, "the claim of a gone offerer is not there");
    }
}
