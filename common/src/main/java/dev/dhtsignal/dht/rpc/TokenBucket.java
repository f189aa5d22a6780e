package dev.dhtsignal.dht.rpc;

/**
 * Tokens that refill at a steady rate up to a burst size; taking one admits one event. Not thread-safe:
 * its owner guards it. Time is passed in (nanoseconds, as from {@link System#nanoTime}) so tests can
 * move it.
 */
final class TokenBucket {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double perSecond;
    private final double burst;
    private double tokens;
    private long lastNanos;

    /** A bucket that starts full. */
    TokenBucket(double perSecond, double burst, long nowNanos) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.lastNanos = nowNanos;
    }

    boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void refill(long nowNanos) {
        if (nowNanos > lastNanos) {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * perSecond / NANOS_PER_SECOND);
            lastNanos = nowNanos;
        }
    }

    /** Whether the bucket has refilled to full by {@code nowNanos}, so forgetting it loses nothing. */
    boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= burst;
    }
}
