package dev.dhtsignal.server.http;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets per client address and per client network: {@code perSecond} requests sustained,
 * {@code burst} at once, for each. A request must find a token in both. The buckets live in maps of
 * bounded size, least recently used first out, so many addresses cannot grow memory without bound.
 * Thread-safe.
 */
final class ClientRates {
    private static final int TRACKED = 10_000;
    private static final double NANOS_PER_SECOND = 1e9;

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }
    }

    /** One rate over a bounded map of buckets. */
    private static final class Buckets {
        private final int perSecond;
        private final int burst;
        private final Map<InetAddress, Bucket> map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > TRACKED;
            }
        };

        Buckets(int perSecond, int burst) {
            this.perSecond = perSecond;
            this.burst = Math.max(1, burst);
        }

        Bucket refilled(InetAddress key, long now) {
            Bucket b = map.computeIfAbsent(key, c -> new Bucket(burst, now));
            b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) * perSecond / NANOS_PER_SECOND);
            b.lastNanos = now;
            return b;
        }
    }

    private final boolean limited;
    private final Buckets addresses;
    private final Buckets prefixes;
    private final LongSupplier nanoTime;

    /** {@code perSecond} 0 means no limit at all. */
    ClientRates(GatewayLimits limits, LongSupplier nanoTime) {
        this.limited = limits.requestsPerSecond() > 0;
        this.addresses = new Buckets(limits.requestsPerSecond(), limits.burst());
        this.prefixes = new Buckets(Math.max(limits.prefixRequestsPerSecond(), limits.requestsPerSecond()),
                Math.max(limits.prefixBurst(), limits.burst()));
        this.nanoTime = nanoTime;
    }

    /** Null when the request may go ahead (and is counted), else which limit it is over. */
    synchronized String admit(ClientAddress client) {
        if (!limited) {
            return null;
        }
        long now = nanoTime.getAsLong();
        Bucket own = addresses.refilled(client.address(), now);
        Bucket network = prefixes.refilled(client.prefix(), now);
        if (own.tokens < 1) {
            return "too many requests from " + client.address().getHostAddress() + " (at most " + addresses.perSecond
                    + " a second); slow down";
        }
        if (network.tokens < 1) {
            return "too many requests from the network " + client.prefixText() + " (at most " + prefixes.perSecond
                    + " a second); slow down";
        }
        own.tokens -= 1;
        network.tokens -= 1;
        return null;
    }
}
