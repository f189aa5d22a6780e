package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Duration;
import java.util.Optional;

/**
 * How much a node keeps and for how long. The lifetime follows the original network (7 days) and the
 * value size its datagrams (8192 bytes); the amounts are bounded by the memory the JVM really has
 * ({@link #forHeap}), which the original never bounded.
 *
 * <p>Memory is counted, not guessed: every entry counts its key, its encoded value and
 * {@link #ENTRY_OVERHEAD_BYTES} for the objects around them, and every expired value remembered (see
 * {@link ValueStore}) {@link #EXPIRED_VALUE_OVERHEAD_BYTES}; both were measured (the
 * {@code store-footprint} tool of tools.jar, whose numbers the README gives).
 *
 * @param ttl how long a value lives from the first time this node stored it
 * @param maxValueBytes largest encoded value accepted; the default fits an 8192-byte store request
 * @param maxEntries most keys held at once; stores of new keys beyond it are refused
 * @param maxBytes most memory the entries take, counted as {@link StoredEntry#footprint}
 */
public record StorageLimits(Duration ttl, int maxValueBytes, int maxEntries, long maxBytes) {
    public static final Duration DEFAULT_TTL = Duration.ofDays(7);
    /**
     * Lifetime of an empty value ({@code ""}, or empty bytes): peers store one to clear a key, and a
     * cleared key only has to stay cleared until the replicas of the value it replaced have heard of it
     * (a republish round is an hour; a clearing store reaches the current replicas at once). Keeping it
     * for days would only fill the store with nothing: each sealed session leaves two of them.
     */
    public static final Duration EMPTY_VALUE_TTL = Duration.ofMinutes(10);
    /** 8192 minus the store request's own framing (name, array headers, two 20-byte ids). */
    public static final int DEFAULT_MAX_VALUE_BYTES = 8_100;
    /**
     * Heap taken by one entry beyond its key's 20 bytes and its encoded value: the key and value objects
     * and their arrays' headers, the entry with its two instants and its source network's bookkeeping, the
     * hash map's node and table slot, and what the collector loses around them. Measured with
     * {@code java -Xmx1g -cp tools.jar dev.dhtsignal.tools.Tools store-footprint} (JDK 17, G1, compressed
     * oops, every entry from its own network): 347 bytes with 16-byte values, 460 with 8000-byte values;
     * rounded up.
     */
    public static final int ENTRY_OVERHEAD_BYTES = 480;
    /** Heap taken by one remembered expired value (key, digest, time, map node): 185-205 bytes measured as above. */
    public static final int EXPIRED_VALUE_OVERHEAD_BYTES = 224;
    /**
     * Most entries the default limits allow, however large the heap: every entry costs a lookup and k
     * stores each republish round (hourly), so beyond this the network traffic, not memory, is the limit.
     */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    /** Share of the heap the default limits give to stored values; the rest is the node's working memory. */
    public static final double HEAP_SHARE = 0.4;
    /** One source network may hold at most this share of the entries and of the bytes. */
    public static final int PREFIX_SHARE_DIVISOR = 8;

    public StorageLimits {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        if (maxValueBytes < 1 || maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("storage limits must be positive");
        }
    }

    /** Defaults for the heap this JVM may grow to ({@code -Xmx}). */
    public static StorageLimits defaults() {
        return forHeap(Runtime.getRuntime().maxMemory());
    }

    /**
     * Limits that keep the store within {@link #HEAP_SHARE} of a heap of {@code heapBytes}, entries and
     * remembered expired values together ({@link #heapNeeded}): as many entries as the share could hold at
     * the smallest footprint, at most {@link #DEFAULT_MAX_ENTRIES}, and the bytes that leaves.
     */
    public static StorageLimits forHeap(long heapBytes) {
        long budget = (long) (heapBytes * HEAP_SHARE);
        long smallest = footprintOf(0);
        long entries = Math.max(1, Math.min(DEFAULT_MAX_ENTRIES, budget / (smallest + EXPIRED_VALUE_OVERHEAD_BYTES)));
        long largest = footprintOf(DEFAULT_MAX_VALUE_BYTES);
        long maxBytes = Math.max(smallest, Math.min(budget - entries * EXPIRED_VALUE_OVERHEAD_BYTES, entries * largest));
        return new StorageLimits(DEFAULT_TTL, DEFAULT_MAX_VALUE_BYTES, (int) entries, maxBytes);
    }

    /** The most heap these limits let the store take: full, and as many expired values remembered. */
    public long heapNeeded() {
        return maxBytes + (long) maxEntries * EXPIRED_VALUE_OVERHEAD_BYTES;
    }

    /**
     * A warning when these limits could take more than {@link #HEAP_SHARE} of a heap of {@code heapBytes}
     * (explicit options beyond what the JVM holds end in OutOfMemoryError under a flood).
     */
    public Optional<String> overcommitWarning(long heapBytes) {
        long share = (long) (heapBytes * HEAP_SHARE);
        if (heapNeeded() <= share) {
            return Optional.empty();
        }
        return Optional.of(String.format("storage limits of %d entries and %d bytes can take %d MiB of heap, more "
                        + "than the %d MiB (%.0f%% of the %d MiB maximum heap) a node can spare: a flood of stores could "
                        + "end in OutOfMemoryError. Raise -Xmx or lower --max-bytes/--max-entries.",
                maxEntries, maxBytes, heapNeeded() >> 20, share >> 20, HEAP_SHARE * 100, heapBytes >> 20));
    }

    /** Bytes an entry holding {@code value} counts against {@link #maxBytes}. */
    public static long footprintOf(DhtValue value) {
        return footprintOf(value.encodedSize());
    }

    private static long footprintOf(int encodedValueBytes) {
        return NodeId.LENGTH + encodedValueBytes + ENTRY_OVERHEAD_BYTES;
    }

    /** How long {@code value} lives: {@link #EMPTY_VALUE_TTL} (or the ttl if shorter) when it is empty. */
    public Duration lifetimeOf(DhtValue value) {
        return isEmpty(value) && EMPTY_VALUE_TTL.compareTo(ttl) < 0 ? EMPTY_VALUE_TTL : ttl;
    }

    /** Whether a value is an empty string or empty bytes: how peers clear a key. */
    static boolean isEmpty(DhtValue value) {
        if (value.encodedSize() > 2) {
            return false;
        }
        byte[] e = value.encoded();
        return (e.length == 1 && e[0] == (byte) 0xa0)  // fixstr of length 0
                || (e.length == 2 && e[0] == (byte) 0xc4 && e[1] == 0);  // bin8 of length 0
    }

    /** Most entries one source network may hold. */
    public int prefixMaxEntries() {
        return Math.max(1, maxEntries / PREFIX_SHARE_DIVISOR);
    }

    /** Most bytes one source network's entries may take. */
    public long prefixMaxBytes() {
        return Math.max(footprintOf(0), maxBytes / PREFIX_SHARE_DIVISOR);
    }

    public StorageLimits withTtl(Duration newTtl) {
        return new StorageLimits(newTtl, maxValueBytes, maxEntries, maxBytes);
    }
}
