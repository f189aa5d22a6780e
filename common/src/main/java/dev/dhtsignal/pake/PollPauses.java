package dev.dhtsignal.pake;

import java.time.Duration;

/**
 * The pauses between looks at the board while waiting for one thing: short at first, since the other
 * side is often only a moment away, then growing by half each time up to the poll interval, as the
 * signaling's own waits do. Each wait starts its own.
 */
final class PollPauses {
    static final Duration FIRST = Duration.ofMillis(25);

    private final long longestNanos;
    private long nextNanos;

    PollPauses(Duration longest) {
        this.longestNanos = Math.max(1, longest.toNanos());
        this.nextNanos = Math.min(FIRST.toNanos(), longestNanos);
    }

    Duration next() {
        long pause = nextNanos;
        nextNanos = Math.min(longestNanos, nextNanos * 3 / 2);
        return Duration.ofNanos(pause);
    }
}
