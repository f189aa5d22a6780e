package dev.dhtsignal.dht;

/**
 * How many requests a node serves per second, from each source address and in total. Requests over
 * either rate are dropped and counted, so a flood from one address cannot starve the others. Zero means
 * no limit.
 *
 * @param perSourcePerSecond sustained requests per second from one IP address
 * @param perSourceBurst requests one address may send at once before its rate applies
 * @param totalPerSecond sustained requests per second from everyone together
 * @param trackedSources most source addresses remembered at once; the least recent are forgotten
 */
public record RateLimits(int perSourcePerSecond, int perSourceBurst, int totalPerSecond, int trackedSources) {
    public RateLimits {
        if (perSourcePerSecond < 0 || perSourceBurst < 0 || totalPerSecond < 0 || trackedSources < 1) {
            throw new IllegalArgumentException("rate limits must not be negative");
        }
    }

    public static RateLimits unlimited() {
        return new RateLimits(0, 0, 0, 1);
    }
}
