package dev.dhtsignal.dht.rpc;

import dev.dhtsignal.dht.RateLimits;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets that admit requests up to a rate per source address, per source prefix (IPv4 /24, IPv6
 * /64: what one host or one customer of a provider can send from) and in total. A request must pass all
 * three. Buckets of sources live in maps of bounded size, least recently used first out, so a flood from
 * many spoofed addresses cannot grow memory without bound; a new source starts with a small burst only,
 * so churning through addresses buys little. Thread-safe.
 */
public final class RateLimiter {
    /**
     * Rates per second (fractions allowed: a few per minute is 0.05) and bursts; a rate of 0 means no limit.
     */
    public record Rates(double perSource, double perSourceBurst, double perPrefix, double perPrefixBurst, double total,
                        double totalBurst, int trackedSources) {
        /** {@code n} per minute from one address, four times that from a prefix, {@code burst} at once from a new address. */
        public static Rates perMinute(double n, double burst, double totalPerSecond) {
            return new Rates(n / 60, burst, 4 * n / 60, 4 * burst, totalPerSecond, Math.max(1, totalPerSecond), 65_536);
        }
    }

    private final Rates limits;
    private final LongSupplier nanoTime;
    private final TokenBucket total;
    private final Map<ByteBuffer, TokenBucket> addresses;
    private final Map<ByteBuffer, TokenBucket> prefixes;

    public RateLimiter(RateLimits limits) {
        this(limits, System::nanoTime);
    }

    /** With a clock of its own, for tests. */
    public RateLimiter(RateLimits limits, LongSupplier nanoTime) {
        this(new Rates(limits.perSourcePerSecond(), limits.perSourceBurst(), limits.perPrefixPerSecond(),
                limits.perPrefixBurst(), limits.totalPerSecond(), limits.totalBurst(), limits.trackedSources()), nanoTime);
    }

    public RateLimiter(Rates limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
        this.total = new TokenBucket(limits.total(), limits.totalBurst(), nanoTime.getAsLong());
        this.addresses = lru(limits.trackedSources());
        this.prefixes = lru(limits.trackedSources());
    }

    private static Map<ByteBuffer, TokenBucket> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, TokenBucket> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Whether a request from {@code source} may be served now. */
    public synchronized boolean admit(InetAddress source) {
        long now = nanoTime.getAsLong();
        byte[] address = source.getAddress();
        if (limits.perSource() > 0 && !take(addresses, ByteBuffer.wrap(address),
                limits.perSource(), limits.perSourceBurst(), now)) {
            return false;
        }
        if (limits.perPrefix() > 0 && !take(prefixes, ByteBuffer.wrap(prefixOf(source, address)),
                limits.perPrefix(), limits.perPrefixBurst(), now)) {
            return false;
        }
        return limits.total() <= 0 || total.tryTake(now);
    }

    private static boolean take(Map<ByteBuffer, TokenBucket> buckets, ByteBuffer key, double perSecond, double burst,
                                long now) {
        TokenBucket b = buckets.get(key);
        if (b == null) {
            b = new TokenBucket(perSecond, burst, now);
            buckets.put(key, b);
        }
        return b.tryTake(now);
    }

    /** IPv4 /24 or IPv6 /64. */
    static byte[] prefixOf(InetAddress source, byte[] address) {
        return source instanceof Inet4Address ? Arrays.copyOf(address, 3) : Arrays.copyOf(address, 8);
    }
}
