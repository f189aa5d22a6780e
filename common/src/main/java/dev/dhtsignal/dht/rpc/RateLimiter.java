package dev.dhtsignal.dht.rpc;

import dev.dhtsignal.dht.RateLimits;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token buckets that admit requests up to a rate per source address and in total. Source buckets live in
 * a map of bounded size, least recently used first out, so a flood from many spoofed addresses cannot
 * grow memory without bound. Thread-safe.
 */
public final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }

        boolean take(double perSecond, double burst, long now) {
            tokens = Math.min(burst, tokens + (now - lastNanos) * perSecond / NANOS_PER_SECOND);
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private final RateLimits limits;
    private final Bucket total;
    private final Map<InetAddress, Bucket> sources;

    public RateLimiter(RateLimits limits) {
        this.limits = limits;
        long now = System.nanoTime();
        this.total = new Bucket(limits.totalPerSecond(), now);
        int capacity = limits.trackedSources();
        this.sources = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Whether a request from {@code source} may be served now. */
    public synchronized boolean admit(InetAddress source) {
        long now = System.nanoTime();
        if (limits.perSourcePerSecond() > 0) {
            double burst = Math.max(1, limits.perSourceBurst());
            Bucket b = sources.computeIfAbsent(source, s -> new Bucket(burst, now));
            if (!b.take(limits.perSourcePerSecond(), burst, now)) {
                return false;
            }
        }
        if (limits.totalPerSecond() > 0) {
            // A second's worth of burst for everyone together.
            return total.take(limits.totalPerSecond(), limits.totalPerSecond(), now);
        }
        return true;
    }
}
