package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.Hkdf;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.WaitTimedOut;
import dev.dhtsignal.signal.Waits;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key exchange of a short code, through a {@link NameplateBoard}: SPAKE2 (RFC 9382) with key
 * confirmation, ending in a {@link SharedSecret} that the sealed offer and answer are then made with.
 *
 * <pre>
 *  offerer (A)                         nameplate keys                        answerer (B)
 *  picks a free nameplate, words
 *  C = claim(id, pA)          ---&gt;  offerer key
 *                                    offerer key  ---&gt;  reads the live claim; pB, K, cB
 *                                    answerer key &lt;---  R = reply(id, pB, cB)
 *  reads R naming id; checks cB
 *   wrong: X = abandoned(id)  ---&gt;  offerer key  ---&gt;  fails: wrong code
 *   right: K = confirmed(id, cA) -&gt; offerer key  ---&gt;  checks cA (wrong: fails)
 *  both: secret = HKDF(salt id, Ke, "webrtc-dht-signaling/pake/v1/session")
 * </pre>
 *
 * <b>One guess per code on each side.</b> The offerer checks exactly one reply to its claim, the first it
 * reads, and never runs that code again on this machine ({@link SpentCodes}); the answerer replies to exactly
 * one claim, ever, for a code ({@link ClaimBinding}). Whoever takes part without the words tests one guess
 * against the side it meets, and uses the code up there.
 *
 * <p><b>Last write wins, concurrent writers.</b> Each side writes only its own key, and each write is the
 * whole state of that side (claim, then confirmed or abandoned), so losing an older write of our own loses
 * nothing. Values that do not decode, have expired, say they expire further ahead than any exchange lives,
 * or name another exchange id are read past ({@link NameplateReads}). A reply is bound to a claim by the
 * exchange id and by the SPAKE2 transcript (which holds pA). Two offerers that pick one nameplate at once
 * notice before either shows its code, and the one that sees the other's claim clears its own and moves
 * ({@link NameplateChoice}). Once the code is shown the offerer never moves: another claim beside its own
 * (or in its place) is written over with its own again, since moving for it let anyone who writes a claim
 * send the offerer away and the answerer to the writer.
 */
public final class PakeHandshake {
    private static final Logger log = LoggerFactory.getLogger(PakeHandshake.class);
    static final byte[] ID_A = "offerer".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ID_B = "answerer".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_PREFIX = "webrtc-dht-signaling/pake/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION_INFO = "webrtc-dht-signaling/pake/v1/session".getBytes(StandardCharsets.US_ASCII);
    /**
     * A side looks at its own key (is our claim, or our reply, still there?) every this many looks for the other
     * side's: overwriting is rare, and every look costs the nodes near the key a packet each, which on the
     * Mainline DHT counts against their flood limit.
     */
    static final int OWN_KEY_EVERY = 4;

    private final NameplateBoard board;
    private final Settings settings;
    private final Clock clock;
    private final SpentCodes spent;
    private final SecureRandom random;
    private final IntUnaryOperator pickBelow;
    private final NameplateReads reads;
    private final NameplateWrites writes;
    private final NameplateClaimer claimer;
    private volatile Consumer<SharedSecret> lookAhead = secret -> { };

    /**
     * @param timeout how long the offerer waits for an answerer, or the answerer for the claim and the
     *                confirmation; also how long what we write lives (at most {@link SignalMessage#LONGEST_WAIT})
     * @param pollPause the pause between two looks at the board
     * @param settle how long an offerer waits after writing its claim before reading it back (a racing
     *               offerer's write lands in that time)
     * @param stepLimit the limit of one put or get
     */
    public record Settings(Duration timeout, Duration pollPause, Duration settle, Duration stepLimit) {
    }

    /** A claimed nameplate: the code to show, and the state of our side of the exchange. */
    public static final class Claim {
        private final ShortCode code;
        private final byte[] id;
        private final Spake2 spake;
        private final PakeMessage message;

        Claim(ShortCode code, byte[] id, Spake2 spake, PakeMessage message) {
            this.code = code;
            this.id = id;
            this.spake = spake;
            this.message = message;
        }

        public ShortCode code() {
            return code;
        }

        byte[] id() {
            return id.clone();
        }

        PakeMessage message() {
            return message;
        }
    }

    /** What a completed exchange gives: the key the offer and answer are sealed with. */
    public record Result(ShortCode code, SharedSecret secret) {
    }

    /**
     * @param spent the codes this user has tried already ({@link SpentCodes#forUser} in programs)
     * @param pickBelow given n, a nameplate in 1..n (random in programs; scripted in tests)
     */
    public PakeHandshake(NameplateBoard board, Settings settings, Clock clock, SpentCodes spent, SecureRandom random,
                         IntUnaryOperator pickBelow) {
        this.board = board;
        this.settings = settings;
        this.clock = clock;
        this.spent = spent;
        this.random = random;
        this.pickBelow = pickBelow != null ? pickBelow : n -> 1 + random.nextInt(n);
        this.reads = new NameplateReads(board, settings.stepLimit());
        this.writes = new NameplateWrites(board, settings.stepLimit());
        this.claimer = new NameplateClaimer(board, settings, clock, spent, random, this.pickBelow, reads, writes);
    }

    public PakeHandshake(NameplateBoard board, Settings settings, Clock clock, SpentCodes spent) {
        this(board, settings, clock, spent, new SecureRandom(), null);
    }

    /**
     * Told the session's secret as soon as this side has computed it, before the exchange is confirmed, so that
     * the lookups of the sealed offer's and answer's items can start while the confirmation travels (on the
     * Mainline DHT a first lookup is a traversal of several round trips). Only for looking ahead: nothing may
     * be taken as the other side's until {@link #awaitAnswerer} or {@link #join} has returned.
     */
    public void lookAheadWith(Consumer<SharedSecret> lookAhead) {
        this.lookAhead = lookAhead;
    }

    // ------------------------------------------------------------------------------------------- offerer

    /**
     * Claims a nameplate: a random free one with new words, or the one of {@code wanted}
     * ({@link NameplateClaimer}). The claim is written and read back before this returns, so the code can be
     * shown.
     *
     * @param secret the {@code --secret}, mixed into the password, or null
     * @throws SignalingException when {@code wanted} was tried here before, its nameplate is in use or cannot be
     *                            written, or no free nameplate was found
     */
    public Claim claim(ShortCode wanted, String secret) {
        return claimer.claim(wanted, secret);
    }

    /**
     * Waits for an answerer's reply to our claim and checks it: the one reply this code gets. While it waits it
     * keeps its claim at the nameplate, writing it again where something else replaced it.
     *
     * @throws WrongCodeException when the reply does not confirm (wrong words, or a third party)
     * @throws SignalingException when no answerer came in time
     */
    public Result awaitAnswerer(Claim claim, String secret) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        int nameplate = claim.code().nameplate();
        PollPauses pauses = new PollPauses(settings.pollPause());
        for (int look = 1; System.nanoTime() < deadline; look++) {
            writes.requireNotWithdrawn();
            // Our own key alongside, every few looks: one round trip, not two.
            NameplateReads.Started replies = reads.start(nameplate, Side.ANSWERER);
            NameplateReads.Started ours = look % OWN_KEY_EVERY == 0 ? reads.start(nameplate, Side.OFFERER) : null;
            for (PakeMessage reply : replies.decoded()) {
                if (reply.kind() == PakeMessage.Kind.REPLY && reply.isFor(claim.id)) {
                    return check(claim, reply);
                }
            }
            if (ours != null) {
                keepClaim(claim, ours);
            }
            sleep(pauses.next());
        }
        throw new WaitTimedOut("no answerer replied at " + board.describe(nameplate, Side.ANSWERER)
                + " within " + Waits.seconds(settings.timeout()) + " (check that the other side typed the code "
                + claim.code() + " and joined the same DHT)");
    }

    /** The single check of a reply: confirm and return, or abandon the code and fail. */
    private Result check(Claim claim, PakeMessage reply) {
        int nameplate = claim.code().nameplate();
        spent.spend(SpentCodes.Role.OFFERER, claim.code());  // whatever the reply is, it tests a guess
        Spake2.Keys keys;
        try {
            keys = claim.spake.finish(reply.point(), ID_A, ID_B, aad(nameplate, claim.id));
        } catch (Spake2.InvalidMessage e) {
            log.info("the reply to our claim is not a SPAKE2 message: {}", e.getMessage());
            keys = null;
        }
        Instant linger = expiry(settings, clock.instant());
        if (keys == null || !keys.confirms(reply.mac())) {
            log.info("the reply to our claim at nameplate {} does not confirm: abandoning the code", nameplate);
            writes.putQuietly(nameplate, Side.OFFERER, PakeMessage.abandoned(claim.id, linger).encode());
            throw new WrongCodeException();
        }
        SharedSecret secret = sessionSecret(keys, claim.id);
        lookAhead.accept(secret);  // the sealed offer's lookups start while the confirmation is written
        writes.put(nameplate, Side.OFFERER, PakeMessage.confirmed(claim.id, linger, keys.ourConfirmation()).encode(), "our confirmation");
        return new Result(claim.code(), secret);
    }

    /** Looks at our own key while we wait, and writes our claim again when it is not there; never moves. */
    private void keepClaim(Claim claim, NameplateReads.Started ours) {
        int nameplate = claim.code().nameplate();
        List<PakeMessage> live = ours.live(clock.instant());
        if (live.stream().noneMatch(m -> m.isFor(claim.id))) {
            if (live.stream().anyMatch(m -> m.kind() == PakeMessage.Kind.CLAIM)) {
                log.info("another claim is at nameplate {} in place of ours (an offerer that read a stale node, or someone "
                        + "interfering); writing ours again: the code shown stays", nameplate);
            } else {
                log.info("something replaced our claim at nameplate {}; writing it again", nameplate);
            }
            writes.putQuietly(nameplate, Side.OFFERER, claim.message.encode());
        }
    }

    // ------------------------------------------------------------------------------------------ answerer

    /**
     * Joins the exchange of a code: replies to the one live claim at its nameplate ({@link ClaimBinding}),
     * and checks the offerer's confirmation.
     *
     * @param secret the {@code --secret}, mixed into the password, or null
     * @throws WrongCodeException when the confirmation does not check out, or the code's exchange has ended
     * @throws SignalingException when this machine tried the code before, or no claim or no confirmation came in time
     */
    public Result join(ShortCode code, String secret) {
        ClaimBinding binding = new ClaimBinding(code, spent);
        binding.requireUntried();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        int nameplate = code.nameplate();
        board.lookAhead(nameplate, Side.ANSWERER);  // where our reply goes: found while we look for the claim
        BigInteger w = PasswordScalar.of(code.password(secret));
        PollPauses pauses = new PollPauses(settings.pollPause());
        while (true) {
            writes.requireNotWithdrawn();
            if (System.nanoTime() >= deadline) {
                String why = binding.whyNone();
                throw new SignalingException("no offerer waits at " + board.describe(nameplate, Side.OFFERER) + " within "
                        + Waits.seconds(settings.timeout()) + (why != null ? ": " + why
                        : " (check the code, and that the offerer is running and joined the same DHT)"));
            }
            PakeMessage claim = binding.select(reads.live(nameplate, Side.OFFERER, clock.instant()));
            if (claim == null) {
                sleep(pauses.next());
                continue;
            }
            Spake2 spake = Spake2.start(Spake2.Role.B, w, random);
            Spake2.Keys keys;
            try {
                keys = spake.finish(claim.point(), ID_A, ID_B, aad(nameplate, claim.exchangeId()));
            } catch (Spake2.InvalidMessage e) {
                log.warn("ignoring the claim at nameplate {}: {}", nameplate, e.getMessage());
                binding.refuse(claim);
                continue;
            }
            binding.bind(claim);
            return confirm(code, binding, claim, spake, keys, deadline);
        }
    }

    /** Sends our reply, then waits for the offerer's confirmation or abandonment of the claim we are bound to. */
    private Result confirm(ShortCode code, ClaimBinding binding, PakeMessage claim, Spake2 spake, Spake2.Keys keys, long deadline) {
        int nameplate = code.nameplate();
        byte[] reply = PakeMessage.reply(claim.exchangeId(), claim.expires(), spake.message(), keys.ourConfirmation()).encode();
        SharedSecret session = sessionSecret(keys, claim.exchangeId());
        lookAhead.accept(session);  // the sealed offer's lookups start while the reply and confirmation travel
        try {
            writes.put(nameplate, Side.ANSWERER, reply, "our reply");
        } catch (NameplateBusyException e) {
            throw new SignalingException("cannot reply at " + board.describe(nameplate, Side.ANSWERER) + ": " + e.getMessage()
                    + "; start again with a new code", e);
        }
        PollPauses pauses = new PollPauses(settings.pollPause());
        for (int look = 1; System.nanoTime() < deadline; look++) {
            writes.requireNotWithdrawn();
            NameplateReads.Started offerers = reads.start(nameplate, Side.OFFERER);
            // Our own key alongside, every few looks: one round trip, not two.
            NameplateReads.Started ours = look % OWN_KEY_EVERY == 0 ? reads.start(nameplate, Side.ANSWERER) : null;
            PakeMessage outcome = binding.outcome(offerers.decoded());
            if (outcome != null) {
                if (outcome.kind() == PakeMessage.Kind.ABANDONED || !keys.confirms(outcome.mac())) {
                    throw new WrongCodeException();
                }
                return new Result(code, session);
            }
            // Our reply can be overwritten (a racing writer) before the offerer reads it: keep it there.
            if (ours != null && ours.values().stream().noneMatch(v -> java.util.Arrays.equals(v, reply))) {
                writes.putQuietly(nameplate, Side.ANSWERER, reply);
            }
            sleep(pauses.next());
        }
        throw new SignalingException("the offerer did not confirm the key exchange at " + board.describe(nameplate, Side.OFFERER)
                + " within " + Waits.seconds(settings.timeout()));
    }

    // ------------------------------------------------------------------------------------------ both

    /** Clears what we wrote last at the nameplate once the exchange is done with it, so the nameplate is free again. */
    public void release() {
        writes.release();
    }

    /**
     * For a program that is being stopped: clears what this exchange wrote last (a claim, a confirmation, a
     * reply), after letting a write under way finish, and writes nothing more ({@link NameplateWrites}): an
     * answerer must not find the claim of an offerer that is gone and wait on it, nor an offerer the reply
     * of a gone answerer. Bounded by a few seconds.
     */
    public void withdraw() {
        writes.withdraw();
    }

    /** The confirmation keys are bound to the nameplate and the exchange id (RFC 9382's AAD). */
    static byte[] aad(int nameplate, byte[] id) {
        return ByteBuffer.allocate(AAD_PREFIX.length + 4 + id.length).put(AAD_PREFIX).putInt(nameplate).put(id).array();
    }

    /**
     * The secret of the sealed exchange that follows: HKDF from Ke, salted with the exchange id. It is a
     * full-strength key, so no PBKDF2 is run on it.
     */
    private static SharedSecret sessionSecret(Spake2.Keys keys, byte[] id) {
        return SharedSecret.fromKey(Hkdf.derive(id, keys.sharedKey(), SESSION_INFO, 32));
    }

    /** When what we write now expires: after our wait, and never further ahead than readers believe. */
    static Instant expiry(Settings settings, Instant now) {
        Duration life = settings.timeout().compareTo(SignalMessage.LONGEST_WAIT) > 0 ? SignalMessage.LONGEST_WAIT : settings.timeout();
        return now.plus(life);
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
