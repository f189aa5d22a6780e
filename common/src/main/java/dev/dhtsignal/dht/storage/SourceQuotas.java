package dev.dhtsignal.dht.storage;

/**
 * How many entries a store holds in all, and how many of them one source may hold: one IP address, and
 * one network ({@link SourcePrefix}: an IPv4 /24 or IPv6 /64, a loopback address on its own). A source
 * over its share is refused; so is no one else when the store is full: then the heaviest network gives
 * up its oldest entry ({@link SourceLedger}).
 *
 * @param maxEntries most entries held at once
 * @param perAddress most entries one IP address may hold
 * @param perPrefix  most entries one network may hold
 */
public record SourceQuotas(int maxEntries, int perAddress, int perPrefix) {
    /**
     * One address may hold a 32nd of the store: a host's share, leaving room for the other hosts of its
     * network (a university's /24, a provider's customers), which together hold at most an eighth
     * ({@link StorageLimits#PREFIX_SHARE_DIVISOR}, as on the original network).
     */
    public static final int ADDRESS_SHARE_DIVISOR = 32;

    public SourceQuotas {
        if (maxEntries < 1 || perAddress < 1 || perPrefix < 1) {
            throw new IllegalArgumentException("storage quotas must be positive, got " + maxEntries + ", "
                    + perAddress + ", " + perPrefix);
        }
    }

    /** {@code maxEntries} with the default shares: a 32nd per address, an eighth per network. */
    public static SourceQuotas sharesOf(int maxEntries) {
        return new SourceQuotas(maxEntries, Math.max(1, maxEntries / ADDRESS_SHARE_DIVISOR),
                Math.max(1, maxEntries / StorageLimits.PREFIX_SHARE_DIVISOR));
    }
}
