package dev.dhtsignal.dht.storage;

import java.time.Duration;

/**
 * How much a node keeps and for how long. Defaults follow the original network where it has a rule
 * (7-day lifetime, request bodies of at most 8192 bytes) and are bounded where it had none.
 *
 * @param ttl how long a value lives after it was last written
 * @param maxValueBytes largest encoded value accepted; the default fits an 8192-byte store request
 * @param maxEntries most keys held at once; stores of new keys beyond it are refused
 * @param maxBytes most bytes (keys plus encoded values) held at once
 */
public record StorageLimits(Duration ttl, int maxValueBytes, int maxEntries, long maxBytes) {
    public static final Duration DEFAULT_TTL = Duration.ofDays(7);
    /** 8192 minus the store request's own framing (name, array headers, two 20-byte ids). */
    public static final int DEFAULT_MAX_VALUE_BYTES = 8_100;
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    public static final long DEFAULT_MAX_BYTES = 256L << 20;

    public StorageLimits {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        if (maxValueBytes < 1 || maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("storage limits must be positive");
        }
    }

    public static StorageLimits defaults() {
        return new StorageLimits(DEFAULT_TTL, DEFAULT_MAX_VALUE_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES);
    }

    public StorageLimits withTtl(Duration newTtl) {
        return new StorageLimits(newTtl, maxValueBytes, maxEntries, maxBytes);
    }
}
