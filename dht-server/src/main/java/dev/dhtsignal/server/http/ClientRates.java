package dev.dhtsignal.server.http;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per client address: {@code perSecond} requests sustained, {@code burst} at once. The
 * buckets live in a map of bounded size, least recently used first out, so many addresses cannot grow
 * memory without bound. Thread-safe.
 */
final class ClientRates {
    private static final int TRACKED_CLIENTS = 10_000;
    private static final double NANOS_PER_SECOND = 1e9;

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }
    }

    private final int perSecond;
    private final int burst;
    private final Map<InetAddress, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
            return size() > TRACKED_CLIENTS;
        }
    };

    /** {@code perSecond} 0 means no limit. */
    ClientRates(int perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
    }

    synchronized boolean admit(InetAddress client) {
        if (perSecond <= 0) {
            return true;
        }
        long now = System.nanoTime();
        Bucket b = buckets.computeIfAbsent(client, c -> new Bucket(burst, now));
        b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) * perSecond / NANOS_PER_SECOND);
        b.lastNanos = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return true;
        }
        return false;
    }
}
