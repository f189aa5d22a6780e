package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.signal.WriteGate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write one exchange makes to the board, through a {@link WriteGate}, and the withdrawal of what it
 * wrote when the program is stopped: after {@link #withdraw()} begins no write starts (the waiting thread
 * used to write its claim again right after the stop had cleared it), a write under way is let finish, and
 * the clearing of the key we wrote last is sent after it.
 */
final class NameplateWrites {
    private static final Logger log = LoggerFactory.getLogger(NameplateWrites.class);
    /** How long a withdrawal lets a write under way finish: within the few seconds a stop may take. */
    private static final Duration UNDER_WAY_LIMIT = Duration.ofMillis(1_500);

    private final NameplateBoard board;
    private final Duration stepLimit;
    private final WriteGate gate = new WriteGate();
    /** The key we wrote a value to and have not cleared: what a withdrawal or a release clears. */
    private volatile Written last;

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
        return gate.start(() -> {
            if (value.length > 0) {
                last = new Written(nameplate, side);  // before the put: a stop during it must clear it too
            }
            return board.put(nameplate, side, value);
        });
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
        Written w = last;
        last = null;
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
        gate.close(UNDER_WAY_LIMIT);
        Written w = last;
        last = null;
        if (w != null) {
            try {
                Waits.await(board.put(w.nameplate(), w.side(), new byte[0]), stepLimit, "clearing " + board.describe(w.nameplate(), w.side()));
            } catch (SignalingException e) {
                log.debug("{}", e.getMessage());
            }
        }
    }

    /** @throws SignalingException when the exchange has been withdrawn: its program is stopping */
    void requireNotWithdrawn() {
        if (gate.closed()) {
            throw WriteGate.stopped();
        }
    }
}
