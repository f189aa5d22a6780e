package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.Reading;
import dev.dhtsignal.signal.WaitTimedOut;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a usable value to appear under one of some names on a {@link SignalBoard} by polling: the
 * first look comes at once, later ones after a pause that starts short and grows to a ceiling (the
 * original polls once a second, which costs every round a second), until a time limit.
 *
 * <p>Every distinct value found under a key is read, not only the first: nodes that answer junk for a
 * key cannot hide the genuine value that honest nodes hold.
 *
 * <p>Values that are there but refused (stale, for another offer, sealed with another secret) are
 * logged once each with the reason and waited past. When the limit passes, the failure names what was
 * awaited, where, and, if values were present that did not open, says so: the likely cause is a wrong
 * secret.
 */
public final class ValueWaiter {
    private static final Logger log = LoggerFactory.getLogger(ValueWaiter.class);
    private final SignalBoard board;
    private final ScheduledExecutorService timer;
    private final Duration firstInterval;
    private final Duration maxInterval;
    private final List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param firstInterval the pause after the first look; each later one is half as long again
     * @param maxInterval the longest pause between two looks
     */
    public ValueWaiter(SignalBoard board, ScheduledExecutorService timer, Duration firstInterval, Duration maxInterval) {
        this.board = board;
        this.timer = timer;
        this.firstInterval = firstInterval.compareTo(maxInterval) < 0 ? firstInterval : maxInterval;
        this.maxInterval = maxInterval;
    }

    /** Every value refused so far, with the reason, as logged: for tests and tools. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    /** A value found under one of the keys: which key (by index) and what it read as. */
    public record Found<T>(int index, T message, DhtValue raw) {
    }

    /**
     * What to watch.
     *
     * @param what what is awaited, for messages: "answer"
     * @param where the names in words: "key 'webrtc-answer'"
     * @param names the names to look at on the board
     */
    public record Watch(String what, String where, List<BoardName> names) {
        public Watch {
            names = List.copyOf(names);
        }
    }

    /**
     * Reads one value found under a watched key. The values under a key are read in their order, and the
     * first accepted one ends the wait: values after it are not read.
     */
    @FunctionalInterface
    public interface Reader<T> {
        /**
         * @param key the index of the name in the watch
         * @param value one of the values found there
         * @param all every distinct value found under that name in this poll, most common first
         * @return Accepted ends the wait; Empty and Refused keep it going
         */
        Reading<T> read(int key, DhtValue value, List<DhtValue> all);
    }

    /** Polls the watched names until {@code reader} accepts a value under one of them. */
    public <T> CompletableFuture<Found<T>> await(Watch watch, Reader<T> reader, Duration limit) {
        return await(watch, reader, limit, limit);
    }

    /**
     * As {@link #await(Watch, Reader, Duration)}, where the wait is what is left of a longer one: a timeout
     * names {@code stated} (the user's {@code --timeout}), not the remainder.
     */
    public <T> CompletableFuture<Found<T>> await(Watch watch, Reader<T> reader, Duration limit, Duration stated) {
        return await(watch, reader, limit, stated, new CompletableFuture<>());
    }

    /**
     * As {@link #await(Watch, Reader, Duration, Duration)}, told when the value is about to appear: when
     * {@code soon} completes (successfully or not), the next look comes at once (or right after the one
     * under way) and the pauses after it start short again.
     */
    public <T> CompletableFuture<Found<T>> await(Watch watch, Reader<T> reader, Duration limit, Duration stated,
                                                 CompletionStage<?> soon) {
        Poll<T> poll = new Poll<>(watch, reader, System.nanoTime() + limit.toNanos(), stated);
        poll.run();
        soon.whenComplete((v, e) -> poll.hurry());
        return poll.result;
    }

    private final class Poll<T> {
        final Watch watch;
        final List<BoardName> names;
        final Reader<T> reader;
        final long deadline;
        final Duration limit;
        final CompletableFuture<Found<T>> result = new CompletableFuture<>();
        final Set<DhtValue> refusedSeen = new HashSet<>();
        /** The pause before the next look; with {@link #next} and {@link #hurried}, guarded by this poll. */
        long intervalNanos = firstInterval.toNanos();
        /** The next look, while it is scheduled. */
        ScheduledFuture<?> next;
        /** Whether the next look is to come as soon as the one under way has been read. */
        boolean hurried;
        int unopened;
        int warned;
        String lastDhtError;

        Poll(Watch watch, Reader<T> reader, long deadline, Duration limit) {
            this.watch = watch;
            this.names = watch.names();
            this.reader = reader;
            this.deadline = deadline;
            this.limit = limit;
        }

        void run() {
            if (result.isDone()) {
                return;
            }
            List<CompletableFuture<List<DhtValue>>> gets = new ArrayList<>();
            for (BoardName name : names) {
                gets.add(board.getAll(name));
            }
            CompletableFuture.allOf(gets.toArray(CompletableFuture[]::new)).handle((v, e) -> {
                inspect(gets);
                return null;
            });
        }

        private void inspect(List<CompletableFuture<List<DhtValue>>> gets) {
            try {
                for (int i = 0; i < gets.size() && !result.isDone(); i++) {
                    CompletableFuture<List<DhtValue>> get = gets.get(i);
                    if (get.isCompletedExceptionally()) {
                        lastDhtError = get.handle((v, e) -> e.getCause() != null ? e.getCause().getMessage() : e.getMessage()).join();
                        continue;
                    }
                    List<DhtValue> all = get.join();
                    for (int v = 0; v < all.size() && !result.isDone(); v++) {
                        read(i, all.get(v), all);
                    }
                }
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            if (result.isDone()) {
                return;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                result.completeExceptionally(new WaitTimedOut(timeoutMessage()));
                return;
            }
            synchronized (this) {
                long wait = hurried ? 0 : Math.min(intervalNanos, deadline - now);
                if (!hurried) {
                    intervalNanos = Math.min(maxInterval.toNanos(), intervalNanos * 3 / 2);
                }
                hurried = false;
                next = timer.schedule(this::run, wait, TimeUnit.NANOSECONDS);
            }
        }

        /** The value is about to appear: look now, or right after the look under way, then often again. */
        void hurry() {
            boolean now;
            synchronized (this) {
                intervalNanos = firstInterval.toNanos();
                now = next != null && next.cancel(false);
                next = null;
                hurried = !now;
            }
            if (now) {
                run();
            }
        }

        private void read(int key, DhtValue value, List<DhtValue> all) {
            Reading<T> reading = reader.read(key, value, all);
            if (reading instanceof Reading.Accepted<T> accepted) {
                result.complete(new Found<>(key, accepted.message(), value));
            } else if (reading instanceof Reading.Refused<T> refused && refusedSeen.add(value)) {
                if (refusedSeen.size() > 1000) {
                    refusedSeen.clear();  // bounded: a flood of forgeries costs log lines, not memory
                }
                if (refused.unopened()) {
                    unopened++;
                }
                String note = "ignoring the value under " + board.describe(names.get(key)) + ": " + refused.reason();
                refusals.add(note);
                if (refused.quiet()) {
                    log.debug(note);
                } else {
                    warned++;
                    log.warn(note);
                }
            }
        }

        private String timeoutMessage() {
            StringBuilder sb = new StringBuilder("no ").append(watch.what()).append(" appeared under ")
                    .append(watch.where()).append(" on ").append(board.where())
                    .append(" within ").append(Waits.seconds(limit));
            if (unopened > 0) {
                sb.append("; ").append(unopened).append(" value(s) were there but none opened: forged, tampered, "
                        + "or sealed with another secret (check the session code and --secret)");
            } else if (warned > 0) {
                sb.append("; the value(s) there were refused (see the warnings above)");
            }
            if (lastDhtError != null) {
                sb.append("; last DHT error: ").append(lastDhtError);
            }
            return sb.toString();
        }
    }
}
