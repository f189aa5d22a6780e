package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SharedSecret;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 * <b>One guess per code.</b> The offerer checks exactly one reply to its claim, the first it reads, and
 * whatever it is, the claim is over: it confirms, or abandons and fails. The answerer replies to exactly
 * one claim and fails if what comes back does not confirm. So whoever takes part without the words tests
 * one guess and uses the code up.
 *
 * <p><b>Last write wins, concurrent writers.</b> Each side writes only its own key, and each write is the
 * whole state of that side (claim, then confirmed or abandoned), so losing an older write of our own loses
 * nothing. Values that do not decode, have expired, or name another exchange id are read past. A reply is
 * bound to a claim by the exchange id and by the SPAKE2 transcript (which holds pA): a reply made for
 * another claim does not confirm. Two offerers on one nameplate (their pick raced) both notice: each
 * reads its key back after writing and while it waits; before its code is shown an offerer moves on a
 * sight of any other live claim; after, the claim with the smaller exchange id stays, the other moves to a
 * new code and says so, and one whose claim was replaced by something else writes it again.
 */
public final class PakeHandshake {
    private static final Logger log = LoggerFactory.getLogger(PakeHandshake.class);
    static final byte[] ID_A = "offerer".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ID_B = "answerer".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_PREFIX = "webrtc-dht-signaling/pake/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION_INFO = "webrtc-dht-signaling/pake/v1/session".getBytes(StandardCharsets.US_ASCII);
    /** Nameplates are first picked among 1..99, so codes stay short; the range grows when those are busy. */
    static final int FIRST_RANGE = 99;
    private static final int PICKS_PER_RANGE = 4;

    private final NameplateBoard board;
    private final Settings settings;
    private final Clock clock;
    private final SecureRandom random;
    private final IntUnaryOperator pickBelow;
    /** The key we last wrote to and have not cleared yet: what {@link #withdraw()} clears. */
    private volatile Written written;

    private record Written(int nameplate, Side side) {
    }

    /**
     * @param timeout how long the offerer waits for an answerer, or the answerer for the claim and the confirmation
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
     * @param pickBelow given n, a nameplate in 1..n (random in programs; scripted in tests)
     */
    public PakeHandshake(NameplateBoard board, Settings settings, Clock clock, SecureRandom random, IntUnaryOperator pickBelow) {
        this.board = board;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        this.pickBelow = pickBelow;
    }

    public PakeHandshake(NameplateBoard board, Settings settings, Clock clock) {
        this(board, settings, clock, new SecureRandom(), null);
    }

    private int pick(int range) {
        return pickBelow != null ? pickBelow.applyAsInt(range) : 1 + random.nextInt(range);
    }

    // ------------------------------------------------------------------------------------------- offerer

    /**
     * Claims a nameplate: a random free one with new words, or the one of {@code wanted}. The claim is
     * written and read back before this returns, so the code can be shown.
     *
     * @param secret the {@code --secret}, mixed into the password, or null
     * @throws SignalingException when {@code wanted}'s nameplate is in use, or no free one was found
     */
    public Claim claim(ShortCode wanted, String secret) {
        return claim(wanted, secret, Set.of());
    }

    private Claim claim(ShortCode wanted, String secret, Set<Integer> avoid) {
        Set<Integer> busy = new HashSet<>(avoid);
        int range = FIRST_RANGE;
        int tries = 0;
        while (true) {
            int nameplate;
            if (wanted != null) {
                nameplate = wanted.nameplate();
            } else {
                if (tries > 0 && tries % PICKS_PER_RANGE == 0 && range < ShortCode.MAX_NAMEPLATE) {
                    range = Math.min(ShortCode.MAX_NAMEPLATE, range * 10 + 9);
                }
                if (++tries > 5 * PICKS_PER_RANGE) {
                    throw new SignalingException("found no free nameplate after " + (tries - 1) + " tries ("
                            + busy.size() + " in use); try again later");
                }
                nameplate = pick(range);
                if (busy.contains(nameplate)) {
                    continue;
                }
            }
            Instant now = clock.instant();
            if (!liveValues(nameplate, Side.OFFERER, now).isEmpty()) {
                if (wanted != null) {
                    throw inUse(nameplate);
                }
                log.debug("nameplate {} is in use", nameplate);
                busy.add(nameplate);
                continue;
            }
            ShortCode code = wanted != null ? wanted : ShortCode.random(nameplate, random);
            byte[] id = new byte[PakeMessage.ID_LENGTH];
            random.nextBytes(id);
            Spake2 spake = Spake2.start(Spake2.Role.A, PasswordScalar.of(code.password(secret)), random);
            PakeMessage claim = PakeMessage.claim(id, now.plus(settings.timeout()), spake.message());
            put(nameplate, Side.OFFERER, claim.encode(), "our claim");
            if (wanted == null) {
                // A code we made is about to be shown to a person: give an offerer that picked the same
                // nameplate at the same moment time to show up, so we move before anyone reads our code. A
                // code given to us is known to both sides already, and a later clash is noticed while we wait.
                sleep(settings.settle());
            }
            List<PakeMessage> after = liveValues(nameplate, Side.OFFERER, clock.instant());
            boolean others = after.stream().anyMatch(m -> !m.isFor(id));
            if (others) {
                // Another offerer wrote its claim at the same moment. Before our code is shown we simply move.
                log.info("another offerer claimed nameplate {} at the same moment; picking another", nameplate);
                if (wanted != null) {
                    throw inUse(nameplate);
                }
                busy.add(nameplate);
                continue;
            }
            if (after.stream().noneMatch(m -> m.isFor(id))) {
                put(nameplate, Side.OFFERER, claim.encode(), "our claim");  // junk replaced it: write it again
            }
            return new Claim(code, id, spake, claim);
        }
    }

    private static SignalingException inUse(int nameplate) {
        return new SignalingException("nameplate " + nameplate + " is in use by another session; run the offerer "
                + "with --session alone to get a code with a free nameplate");
    }

    /**
     * Waits for an answerer's reply to our claim and checks it: the one reply this code gets.
     *
     * @param moved told the new claim when ours had to move to another nameplate (its code must be shown)
     * @throws WrongCodeException when the reply does not confirm (wrong words, or a third party)
     * @throws SignalingException when no answerer came in time
     */
    public Result awaitAnswerer(Claim claim, String secret, Consumer<Claim> moved) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        Set<Integer> left = new HashSet<>();
        PollPauses pauses = new PollPauses(settings.pollPause());
        while (System.nanoTime() < deadline) {
            int nameplate = claim.code().nameplate();
            for (byte[] value : values(nameplate, Side.ANSWERER)) {
                PakeMessage reply = decode(value);
                if (reply != null && reply.kind() == PakeMessage.Kind.REPLY && reply.isFor(claim.id)) {
                    return check(claim, reply);
                }
            }
            Claim next = keepClaim(claim, secret, left);
            if (next != claim) {
                moved.accept(next);
                claim = next;
                continue;
            }
            sleep(pauses.next());
        }
        throw new WaitTimedOut("no answerer replied at " + board.describe(claim.code().nameplate(), Side.ANSWERER)
                + " within " + Waits.seconds(settings.timeout()) + " (check that the other side typed the code "
                + claim.code() + " and joined the same DHT)");
    }

    /** The single check of a reply: confirm and return, or abandon the code and fail. */
    private Result check(Claim claim, PakeMessage reply) {
        int nameplate = claim.code().nameplate();
        Spake2.Keys keys;
        try {
            keys = claim.spake.finish(reply.point(), ID_A, ID_B, aad(nameplate, claim.id));
        } catch (Spake2.InvalidMessage e) {
            log.info("the reply to our claim is not a SPAKE2 message: {}", e.getMessage());
            keys = null;
        }
        Instant linger = clock.instant().plus(settings.timeout());
        if (keys == null || !keys.confirms(reply.mac())) {
            log.info("the reply to our claim at nameplate {} does not confirm: abandoning the code", nameplate);
            putQuietly(nameplate, Side.OFFERER, PakeMessage.abandoned(claim.id, linger).encode());
            throw new WrongCodeException();
        }
        put(nameplate, Side.OFFERER, PakeMessage.confirmed(claim.id, linger, keys.ourConfirmation()).encode(), "our confirmation");
        return new Result(claim.code(), sessionSecret(keys, claim.id));
    }

    /**
     * Looks at our own key while we wait: another live claim there means a racing offerer. The smaller
     * exchange id keeps the nameplate; we move if ours is the larger, and write ours again if something
     * else replaced it. Returns the claim to go on with (a new one after a move).
     */
    private Claim keepClaim(Claim claim, String secret, Set<Integer> left) {
        int nameplate = claim.code().nameplate();
        List<PakeMessage> live = liveValues(nameplate, Side.OFFERER, clock.instant());
        boolean oursThere = live.stream().anyMatch(m -> m.isFor(claim.id));
        for (PakeMessage m : live) {
            if (m.kind() == PakeMessage.Kind.CLAIM && !m.isFor(claim.id) && Arrays.compareUnsigned(m.exchangeId(), claim.id) < 0) {
                log.info("another offerer's claim is at nameplate {} too, and keeps it (smaller id); moving", nameplate);
                left.add(nameplate);
                return claim(null, secret, left);
            }
        }
        if (!oursThere) {
            log.info("something replaced our claim at nameplate {}; writing it again", nameplate);
            putQuietly(nameplate, Side.OFFERER, claim.message.encode());
        }
        return claim;
    }

    // ------------------------------------------------------------------------------------------ answerer

    /**
     * Joins the exchange of a code: replies to the live claim at its nameplate, and checks the offerer's
     * confirmation.
     *
     * @param secret the {@code --secret}, mixed into the password, or null
     * @throws WrongCodeException when the confirmation does not check out, or the offerer abandoned the code
     * @throws SignalingException when no claim or no confirmation came in time, or the code was used already
     */
    public Result join(ShortCode code, String secret) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        int nameplate = code.nameplate();
        BigInteger w = PasswordScalar.of(code.password(secret));
        Set<PakeMessage> refused = new HashSet<>();
        PollPauses pauses = new PollPauses(settings.pollPause());
        PakeMessage claim = null;
        while (claim == null) {
            if (System.nanoTime() >= deadline) {
                throw new SignalingException("no offerer waits at " + board.describe(nameplate, Side.OFFERER) + " within "
                        + Waits.seconds(settings.timeout()) + " (check the code, and that the offerer is running and joined the same DHT)");
            }
            List<PakeMessage> live = liveValues(nameplate, Side.OFFERER, clock.instant());
            List<PakeMessage> claims = new ArrayList<>();
            boolean used = false;
            for (PakeMessage m : live) {
                if (m.kind() == PakeMessage.Kind.CLAIM && !refused.contains(m)) {
                    claims.add(m);
                } else if (m.kind() == PakeMessage.Kind.CONFIRMED || m.kind() == PakeMessage.Kind.ABANDONED) {
                    used = true;
                }
            }
            // Two claims at once (offerers raced): the one with the smaller id stays, as the offerers decide.
            claims.sort((a, b) -> Arrays.compareUnsigned(a.exchangeId(), b.exchangeId()));
            if (!claims.isEmpty()) {
                claim = claims.get(0);
            } else if (used) {
                // The offerer has settled with someone else, or abandoned the code after a wrong reply: either
                // way somebody other than us took part, and this code is spent.
                log.info("nameplate {} holds a finished exchange and no claim: the code was used already", nameplate);
                throw new WrongCodeException();
            } else {
                sleep(pauses.next());
            }
            if (claim != null) {
                Spake2 spake = Spake2.start(Spake2.Role.B, w, random);
                Spake2.Keys keys;
                try {
                    keys = spake.finish(claim.point(), ID_A, ID_B, aad(nameplate, claim.exchangeId()));
                } catch (Spake2.InvalidMessage e) {
                    log.warn("ignoring the claim at nameplate {}: {}", nameplate, e.getMessage());
                    refused.add(claim);
                    claim = null;
                    continue;
                }
                return confirm(code, claim, spake, keys, deadline);
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** Sends our reply, then waits for the offerer's confirmation or abandonment. */
    private Result confirm(ShortCode code, PakeMessage claim, Spake2 spake, Spake2.Keys keys, long deadline) {
        int nameplate = code.nameplate();
        byte[] reply = PakeMessage.reply(claim.exchangeId(), claim.expires(), spake.message(), keys.ourConfirmation()).encode();
        put(nameplate, Side.ANSWERER, reply, "our reply");
        PollPauses pauses = new PollPauses(settings.pollPause());
        while (System.nanoTime() < deadline) {
            for (byte[] value : values(nameplate, Side.OFFERER)) {
                PakeMessage m = decode(value);
                if (m == null || !m.isFor(claim.exchangeId())) {
                    continue;
                }
                if (m.kind() == PakeMessage.Kind.ABANDONED) {
                    throw new WrongCodeException();
                }
                if (m.kind() == PakeMessage.Kind.CONFIRMED) {
                    if (!keys.confirms(m.mac())) {
                        throw new WrongCodeException();
                    }
                    return new Result(code, sessionSecret(keys, claim.exchangeId()));
                }
            }
            // Our reply can be overwritten (a racing writer) before the offerer reads it: keep it there.
            if (values(nameplate, Side.ANSWERER).stream().noneMatch(v -> Arrays.equals(v, reply))) {
                putQuietly(nameplate, Side.ANSWERER, reply);
            }
            sleep(pauses.next());
        }
        throw new SignalingException("the offerer did not confirm the key exchange at " + board.describe(nameplate, Side.OFFERER)
                + " within " + Waits.seconds(settings.timeout()));
    }

    // ------------------------------------------------------------------------------------------ both

    /** Clears our side's key of a nameplate once the exchange is done with it, so the nameplate is free again. */
    public void release(ShortCode code, Side side) {
        putQuietly(code.nameplate(), side, new byte[0]);
        written = null;
    }

    /**
     * Clears what this exchange wrote last (a claim, a confirmation, a reply), for a program that is being
     * stopped: an answerer must not find the claim of an offerer that is gone and wait on it, nor an
     * offerer the reply of a gone answerer. Bounded by the step limit.
     */
    public void withdraw() {
        Written w = written;
        if (w != null) {
            putQuietly(w.nameplate(), w.side(), new byte[0]);
            written = null;
        }
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
        return SharedSecret.fromKey(dev.dhtsignal.signal.Hkdf.derive(id, keys.sharedKey(), SESSION_INFO, 32));
    }

    private List<PakeMessage> liveValues(int nameplate, Side side, Instant now) {
        List<PakeMessage> live = new ArrayList<>();
        for (byte[] v : values(nameplate, side)) {
            PakeMessage m = decode(v);
            if (m != null && m.isLive(now)) {
                live.add(m);
            }
        }
        return live;
    }

    private static PakeMessage decode(byte[] value) {
        if (value.length == 0) {
            return null;
        }
        try {
            return PakeMessage.decode(value);
        } catch (IllegalArgumentException e) {
            log.debug("ignoring a value: {}", e.getMessage());
            return null;
        }
    }

    /** The values under a key; a lookup that fails or times out reads as nothing there (the next look may do better). */
    private List<byte[]> values(int nameplate, Side side) {
        try {
            return await(board.getAll(nameplate, side), "the values at " + board.describe(nameplate, side));
        } catch (SignalingException e) {
            log.debug("{}; looking again", e.getMessage());
            return List.of();
        }
    }

    private void put(int nameplate, Side side, byte[] value, String what) {
        if (value.length > 0) {
            written = new Written(nameplate, side);  // before the put: a stop during it must clear it too
        }
        await(board.put(nameplate, side, value), what + " to be stored at " + board.describe(nameplate, side));
    }

    private void putQuietly(int nameplate, Side side, byte[] value) {
        try {
            put(nameplate, side, value, "a value");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }

    /** Waits at most the step limit; {@code what} names what is awaited ("the values at nameplate 7 ..."). */
    private <T> T await(CompletableFuture<T> future, String what) {
        return Waits.await(future, settings.stepLimit(), what);
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
