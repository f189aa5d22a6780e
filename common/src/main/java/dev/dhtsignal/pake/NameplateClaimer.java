package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offerer's first step: a nameplate of its own, with its claim written there and read back. For a code
 * it makes, nameplates come from a {@link NameplateChoice} until one is free: a nameplate whose offerer key
 * holds a live value is in use, one where our claim or the clearing of the answerer key beside it cannot be
 * written is busy ({@link NameplateBusyException}), and one where another offerer's claim shows up while
 * ours settles was taken at the same moment (we clear ours and move: the code was not shown yet). A code
 * given to the offerer has its nameplate or fails, saying why; a code this machine has tried is refused.
 */
final class NameplateClaimer {
    private static final Logger log = LoggerFactory.getLogger(NameplateClaimer.class);

    private final NameplateBoard board;
    private final PakeHandshake.Settings settings;
    private final Clock clock;
    private final SpentCodes spent;
    private final SecureRandom random;
    private final IntUnaryOperator pickBelow;
    private final NameplateReads reads;
    private final NameplateWrites writes;

    NameplateClaimer(NameplateBoard board, PakeHandshake.Settings settings, Clock clock, SpentCodes spent, SecureRandom random,
                     IntUnaryOperator pickBelow, NameplateReads reads, NameplateWrites writes) {
        this.board = board;
        this.settings = settings;
        this.clock = clock;
        this.spent = spent;
        this.random = random;
        this.pickBelow = pickBelow;
        this.reads = reads;
        this.writes = writes;
    }

    /** @see PakeHandshake#claim */
    PakeHandshake.Claim claim(ShortCode wanted, String secret) {
        if (wanted != null && spent.isSpent(SpentCodes.Role.OFFERER, wanted)) {
            throw new SignalingException("the code " + wanted + " was used on this machine already (an offerer here checked "
                    + "an answer to it; a code gets one try): run the offerer with --session alone for a new code");
        }
        NameplateChoice choice = new NameplateChoice(pickBelow);
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        while (true) {
            writes.requireNotWithdrawn();
            int nameplate;
            if (wanted != null) {
                nameplate = wanted.nameplate();
            } else {
                OptionalInt next = System.nanoTime() < deadline ? choice.next() : OptionalInt.empty();
                if (next.isEmpty()) {
                    throw new SignalingException("found no free nameplate (" + choice.summary() + ") on " + network()
                            + "; someone may be holding them: try again later, or use a long code (offerer --session --long-code)");
                }
                nameplate = next.getAsInt();
            }
            Instant now = clock.instant();
            board.lookAhead(nameplate, Side.ANSWERER);  // cleared with our claim below: found while we read
            if (!reads.live(nameplate, Side.OFFERER, now).isEmpty()) {
                if (wanted != null) {
                    throw inUse(nameplate);
                }
                log.debug("nameplate {} is in use", nameplate);
                choice.busy(nameplate, "in use");
                continue;
            }
            ShortCode code = wanted != null ? wanted : newCode(nameplate);
            byte[] id = new byte[PakeMessage.ID_LENGTH];
            random.nextBytes(id);
            Spake2 spake = Spake2.start(Spake2.Role.A, PasswordScalar.of(code.password(secret)), random);
            PakeMessage claim = PakeMessage.claim(id, PakeHandshake.expiry(settings, now), spake.message());
            try {
                writeClaim(nameplate, claim);
            } catch (SignalingException e) {
                writes.requireNotWithdrawn();
                writes.putQuietly(nameplate, Side.OFFERER, new byte[0]);  // our claim, if it landed, is not to be answered
                if (wanted != null) {
                    throw new SignalingException("cannot use the code " + wanted + ": " + e.getMessage()
                            + "; run the offerer with --session alone to get a code with a free nameplate", e);
                }
                log.info("nameplate {} cannot be written, picking another: {}", nameplate, e.getMessage());
                choice.busy(nameplate, "not writable");
                continue;
            }
            if (wanted == null) {
                // A code we made is about to be shown to a person: give an offerer that picked the same
                // nameplate at the same moment time to show up, so we move before anyone reads our code. A
                // code given to us is known to both sides already.
                sleep(settings.settle());
            }
            List<PakeMessage> after = reads.live(nameplate, Side.OFFERER, clock.instant());
            if (after.stream().anyMatch(m -> !m.isFor(id))) {
                // Another offerer wrote its claim at the same moment. Before our code is shown we simply move,
                // clearing ours: an answerer takes no claim while two are there.
                log.info("another offerer claimed nameplate {} at the same moment; picking another", nameplate);
                writes.putQuietly(nameplate, Side.OFFERER, new byte[0]);
                if (wanted != null) {
                    throw inUse(nameplate);
                }
                choice.busy(nameplate, "taken at the same moment");
                continue;
            }
            if (after.stream().noneMatch(m -> m.isFor(id))) {
                writes.putQuietly(nameplate, Side.OFFERER, claim.encode());  // junk replaced it: write it again
            }
            return new PakeHandshake.Claim(code, id, spake, claim);
        }
    }

    /** New words for a nameplate: never a code this machine's offerer has used (a chance of one in 65 536 a try). */
    private ShortCode newCode(int nameplate) {
        ShortCode code = ShortCode.random(nameplate, random);
        for (int i = 0; i < 64 && spent.isSpent(SpentCodes.Role.OFFERER, code); i++) {
            code = ShortCode.random(nameplate, random);
        }
        return code;
    }

    /**
     * Writes our claim and clears the answerer key beside it (a reply of an earlier exchange means nothing,
     * and on Mainline this finds an answerer item that cannot be written before the code is shown).
     *
     * @throws SignalingException when either cannot be written ({@link NameplateBusyException}) or is not in time
     */
    private void writeClaim(int nameplate, PakeMessage claim) {
        CompletableFuture<Void> claimed = writes.start(nameplate, Side.OFFERER, claim.encode());
        CompletableFuture<Void> cleared = writes.start(nameplate, Side.ANSWERER, new byte[0]);
        Waits.await(CompletableFuture.allOf(claimed, cleared), settings.stepLimit(),
                "our claim to be stored at " + board.describe(nameplate, Side.OFFERER));
    }

    /** Where the nameplates are, for messages: the tail of the board's description ("the DHT at 127.0.0.1:8468"). */
    private String network() {
        String any = board.describe(1, Side.OFFERER);
        int on = any.lastIndexOf(" on ");
        return on >= 0 ? any.substring(on + 4) : any;
    }

    private static SignalingException inUse(int nameplate) {
        return new SignalingException("nameplate " + nameplate + " is in use by another session; run the offerer "
                + "with --session alone to get a code with a free nameplate");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while waiting");
        }
    }
}
