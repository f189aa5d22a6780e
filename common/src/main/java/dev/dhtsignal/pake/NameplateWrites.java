package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write one exchange makes to the board, and the withdrawal of what it wrote when the program is
 * stopped. A stop runs on a thread of its own while the exchange's thread goes on for a moment: that thread
 * reads its key, finds its claim gone (the stop has just cleared it) and, taking that for someone
 * overwriting it, writes the claim again, after the clearing. The process then exits with a claim of a gone
 * offerer on the DHT, and the next answerer with the code replies to it and waits in vain (seen in
 * {@code ShortCodeIT} with the machine busy). So once {@link #withdraw()} has begun, no write starts any more
 * (it fails with "stopped"), and a write already under way is let finish before the clearing is sent:
 * the clearing is the last word.
 */
final class NameplateWrites {
    private static final Logger log = LoggerFactory.getLogger(NameplateWrites.class);
    /** How long a withdrawal lets a write under way finish: within the few seconds a stop may take. */
    private static final Duration UNDER_WAY_LIMIT = Duration.ofMillis(1_500);

    private final NameplateBoard board;
    private final Duration stepLimit;
    private final Object lock = new Object();
    private final List<CompletableFuture<Void>> underWay = new ArrayList<>();  // guarded by lock
    private Written last;  // guarded by lock: the key we wrote a value to and have not cleared
    private boolean withdrawn;  // guarded by lock

    private record Written(int nameplate, Side side) {
    }

    NameplateWrites(NameplateBoard board, Duration stepLimit) {
        this.board = board;
        this.stepLimit = stepLimit;
    }

    /**
     * Starts a write (an empty value clears the key); the future fails with a {@link NameplateBusyException}
     * when the value was not stored, and with "stopped" once the exchange has been withdrawn.
     */
    CompletableFuture<Void> start(int nameplate, Side side, byte[] value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (withdrawn) {
                return CompletableFuture.failedFuture(stopped());
            }
            if (value.length > 0) {
                last = new Written(nameplate, side);  // before the put: a stop during it must clear it too
            }
            underWay.add(done);
        }
        // Sent outside the lock: a board may take its time handing the write over.
        board.put(nameplate, side, value).whenComplete((ok, failure) -> {
            synchronized (lock) {
                underWay.remove(done);
            }
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    /** Writes and waits (at most the step limit); {@code what} names the value in a failure ("our claim"). */
    void put(int nameplate, Side side, byte[] value, String what) {
        Waits.await(start(nameplate, side, value), stepLimit, what + " to be stored at " + board.describe(nameplate, side));
    }

    /** As {@link #put}, for writes whose failure the next look at the board makes up for. */
    void putQuietly(int nameplate, Side side, byte[] value) {
        try {
            put(nameplate, side, value, "a value");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }

    /** Clears the key we wrote last, once the exchange no longer needs it (the nameplate is free again). */
    void release() {
        Written w;
        synchronized (lock) {
            w = last;
            last = null;
        }
        if (w != null) {
            putQuietly(w.nameplate(), w.side(), new byte[0]);
        }
    }

    /**
     * For a program being stopped: no write starts from now on, a write under way is let finish, and then
     * the key we wrote last is cleared, so that nobody takes the claim (or reply) of a peer that is gone.
     * Bounded by a few seconds.
     */
    void withdraw() {
        List<CompletableFuture<Void>> pending;
        Written w;
        synchronized (lock) {
            withdrawn = true;
            pending = List.copyOf(underWay);
            w = last;
            last = null;
        }
        try {
            Waits.await(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null),
                    UNDER_WAY_LIMIT, "our writes under way");
        } catch (SignalingException e) {
            log.debug("{}; clearing anyway", e.getMessage());
        }
        if (w != null) {
            try {
                Waits.await(board.put(w.nameplate(), w.side(), new byte[0]), stepLimit, "clearing " + board.describe(w.nameplate(), w.side()));
            } catch (SignalingException e) {
                log.debug("{}", e.getMessage());
            }
        }
    }

    /** Whether {@link #withdraw()} has begun: the exchange should end, its program is stopping. */
    boolean withdrawn() {
        synchronized (lock) {
            return withdrawn;
        }
    }

    /** @throws SignalingException when the exchange has been withdrawn */
    void requireNotWithdrawn() {
        if (withdrawn()) {
            throw stopped();
        }
    }

    private static SignalingException stopped() {
        return new SignalingException("stopped: the key exchange was withdrawn");
    }
}
