package dev.dhtsignal.dht;

/**
 * How much a node serves, and to whom, so that a flood from one address or one network cannot starve the
 * others and spoofed requests cannot turn the node into a reflector. Requests over a rate are dropped
 * and counted. Zero means no limit.
 *
 * @param perSourcePerSecond sustained requests per second from one IP address
 * @param perSourceBurst requests a new (or long quiet) address may send at once before its rate applies
 * @param perPrefixPerSecond sustained requests per second from one IPv4 /24 or IPv6 /64
 * @param perPrefixBurst as perSourceBurst, for a prefix
 * @param totalPerSecond sustained requests per second from everyone together
 * @param trackedSources most addresses (and prefixes) remembered at once; the least recent are forgotten
 * @param verifyPingsPerSecond pings per second, at most, to verify unknown senders; over it they are simply
 *                             not verified (a spoofed sender would make us ping its victim)
 * @param unverifiedBytesPerSecond bytes per second the node may send to unverified sources beyond what
 *                                 they sent it (see {@code UnverifiedBudget})
 * @param unverifiedReserveBytes the most such bytes held in reserve; 0: replies to unverified sources are
 *                               not limited
 */
public record RateLimits(int perSourcePerSecond, int perSourceBurst, int perPrefixPerSecond, int perPrefixBurst,
                         int totalPerSecond, int trackedSources, int verifyPingsPerSecond,
                         int unverifiedBytesPerSecond, int unverifiedReserveBytes) {
    /** Requests per second from one address, by default. */
    public static final int DEFAULT_PER_SOURCE = 1_000;
    /**
     * From one /24 or /64: four busy hosts' worth, so a LAN behind one prefix or a test network on one
     * host still works, while 256 spoofed or rented addresses in one prefix get no more than four.
     */
    public static final int DEFAULT_PER_PREFIX = 4_000;
    /**
     * In total: a quarter of what one node was measured to answer on 2 cores (about 126 000 find_value
     * replies/s with limits off, scripts/bench-dht.sh), so that a node at its limit still has most of a
     * core for its own lookups, republishing, storage and everything else running on its host.
     */
    public static final int DEFAULT_TOTAL = 30_000;

    public RateLimits {
        if (perSourcePerSecond < 0 || perSourceBurst < 0 || perPrefixPerSecond < 0 || perPrefixBurst < 0
                || totalPerSecond < 0 || verifyPingsPerSecond < 0 || unverifiedBytesPerSecond < 0
                || unverifiedReserveBytes < 0 || trackedSources < 1) {
            throw new IllegalArgumentException("rate limits must not be negative");
        }
    }

    /** No limits at all (what in-process test networks use). */
    public static RateLimits unlimited() {
        return new RateLimits(0, 0, 0, 0, 0, 1, 0, 0, 0);
    }

    /**
     * What dht-server runs with unless told otherwise: the rates above, 100 verification pings/s, and
     * 8 KiB/s beyond the 1:1 budget for unverified sources, held up to 256 KiB.
     */
    public static RateLimits defaults() {
        return perSecond(DEFAULT_PER_SOURCE, DEFAULT_PER_PREFIX, DEFAULT_TOTAL);
    }

    /**
     * Defaults with these rates. A new (or long quiet) address or prefix may send a quarter of a second's
     * worth at once: a client's burst (100 puts at once send a node about 300 requests) mostly fits, a
     * new address's flood does not, and churning through addresses buys little.
     */
    public static RateLimits perSecond(int perSource, int perPrefix, int total) {
        return new RateLimits(perSource, burstOf(perSource), perPrefix, burstOf(perPrefix), total, 65_536,
                100, 8 * 1024, 256 * 1024);
    }

    private static int burstOf(int perSecond) {
        return perSecond == 0 ? 0 : Math.max(1, perSecond / 4);
    }

    /** Requests everyone together may send at once: a quarter of a second's worth. */
    public int totalBurst() {
        return burstOf(totalPerSecond);
    }

    public RateLimits withUnverifiedBudget(int bytesPerSecond, int reserveBytes) {
        return new RateLimits(perSourcePerSecond, perSourceBurst, perPrefixPerSecond, perPrefixBurst, totalPerSecond,
                trackedSources, verifyPingsPerSecond, bytesPerSecond, reserveBytes);
    }

    public RateLimits withVerifyPingsPerSecond(int perSecond) {
        return new RateLimits(perSourcePerSecond, perSourceBurst, perPrefixPerSecond, perPrefixBurst, totalPerSecond,
                trackedSources, perSecond, unverifiedBytesPerSecond, unverifiedReserveBytes);
    }
}
