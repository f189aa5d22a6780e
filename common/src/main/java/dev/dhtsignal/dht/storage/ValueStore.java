package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where a node keeps the values it is responsible for: one value per key, the last write wins.
 *
 * <p>A value lives {@link StorageLimits#lifetimeOf} from the first time this store took that exact value
 * under its key: storing the same value again (a replica being republished, by us or by other nodes)
 * changes nothing, a different value starts a new life. Once a value has expired here, stores of that
 * same value are refused for a while ({@link PutResult#EXPIRED}), so nodes that keep republishing it to
 * each other cannot keep it alive for ever.
 *
 * <p>Each source network ({@link SourcePrefix}) may hold at most {@link StorageLimits#prefixMaxEntries}
 * and {@link StorageLimits#prefixMaxBytes}, so one host cannot fill the store.
 *
 * <p>Implementations are thread-safe. Every implementation passes {@code ValueStoreContract}.
 */
public interface ValueStore extends AutoCloseable {
    /** What a {@link #put} did. */
    enum PutResult {
        /** Stored, or this exact value was already live under the key. */
        STORED,
        /** The value is larger than the limit; nothing changed. */
        TOO_LARGE,
        /** Storing it would exceed the store's entry or byte limit; nothing changed. */
        FULL,
        /** Storing it would exceed the quota of the network it came from; nothing changed. */
        OVER_QUOTA,
        /** This exact value expired here a short while ago and is not taken back; nothing changed. */
        EXPIRED,
        /** The store cannot take more writes right now (its write queue is full); nothing changed. */
        BUSY
    }

    /**
     * Stores a value that came from {@code source}. The future completes once the outcome is final:
     * for a store that keeps its values on disk, once the value is written. It completes on a thread of
     * the store's, or at once; never call it with a lock held that such a thread might need.
     */
    CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now);

    /** {@link #store} and wait for it. */
    default PutResult put(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        return store(key, value, source, now).join();
    }

    /** {@link #store} of this node's own value, and wait for it. */
    default PutResult put(NodeId key, DhtValue value, Instant now) {
        return put(key, value, SourcePrefix.LOCAL, now);
    }

    /** The live value, if any; an expired one is not returned. */
    Optional<DhtValue> get(NodeId key, Instant now);

    Optional<StoredEntry> entry(NodeId key, Instant now);

    /** A snapshot of every live entry. */
    List<StoredEntry> entries(Instant now);

    /** Removes expired entries; returns how many. */
    int expire(Instant now);

    int size();

    /** Memory the live entries take, as counted against {@link StorageLimits#maxBytes}. */
    long bytes();

    StorageLimits limits();

    @Override
    void close();
}
