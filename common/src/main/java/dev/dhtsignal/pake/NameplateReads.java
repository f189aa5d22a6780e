package dev.dhtsignal.pake;

import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reading a nameplate's key: every value the board has there, decoded, and which of them are live. What
 * does not decode is junk anybody may write; what has expired, or says it expires further ahead than any
 * exchange lives ({@link PakeMessage#isLive}), is read as junk too.
 */
final class NameplateReads {
    private static final Logger log = LoggerFactory.getLogger(NameplateReads.class);

    private final NameplateBoard board;
    private final Duration stepLimit;

    NameplateReads(NameplateBoard board, Duration stepLimit) {
        this.board = board;
        this.stepLimit = stepLimit;
    }

    /** The raw values under a key; a lookup that fails or times out reads as nothing there (the next look may do better). */
    List<byte[]> values(int nameplate, Side side) {
        return start(nameplate, side).values();
    }

    /** The values under a key that decode, whether live or not. */
    List<PakeMessage> decoded(int nameplate, Side side) {
        return start(nameplate, side).decoded();
    }

    /** The live values under a key. */
    List<PakeMessage> live(int nameplate, Side side, Instant now) {
        return start(nameplate, side).live(now);
    }

    /** Starts reading a key; what it read is taken later, so that both keys of a nameplate are read at once. */
    Started start(int nameplate, Side side) {
        return new Started(nameplate, side, board.getAll(nameplate, side));
    }

    /** A read of one key under way. */
    final class Started {
        private final int nameplate;
        private final Side side;
        private final CompletableFuture<List<byte[]>> reading;

        private Started(int nameplate, Side side, CompletableFuture<List<byte[]>> reading) {
            this.nameplate = nameplate;
            this.side = side;
            this.reading = reading;
        }

        /** The raw values; a lookup that failed or timed out reads as nothing there. */
        List<byte[]> values() {
            try {
                return Waits.await(reading, stepLimit, "the values at " + board.describe(nameplate, side));
            } catch (SignalingException e) {
                log.debug("{}; looking again", e.getMessage());
                return List.of();
            }
        }

        /** The values that decode, whether live or not. */
        List<PakeMessage> decoded() {
            List<PakeMessage> out = new ArrayList<>();
            for (byte[] v : values()) {
                PakeMessage m = decode(v);
                if (m != null) {
                    out.add(m);
                }
            }
            return out;
        }

        /** The live values. */
        List<PakeMessage> live(Instant now) {
            List<PakeMessage> live = new ArrayList<>();
            for (PakeMessage m : decoded()) {
                if (m.isLive(now)) {
                    live.add(m);
                } else if (now.isBefore(m.expires())) {
                    log.debug("not believing a {} at nameplate {} that says it expires at {}", m, nameplate, m.expires());
                }
            }
            return live;
        }
    }

    static PakeMessage decode(byte[] value) {
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
}
