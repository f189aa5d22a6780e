package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a node keeps the values it is responsible for: one value per key, the last write wins, each
 * value expiring a fixed time after it was written. Implementations are thread-safe. Every
 * implementation passes {@code ValueStoreContract}.
 */
public interface ValueStore extends AutoCloseable {
    /** What a {@link #put} did. */
    enum PutResult {
        STORED,
        /** The value is larger than the limit; nothing changed. */
        TOO_LARGE,
        /** Storing it would exceed the entry or byte limit; nothing changed. */
        FULL
    }

    PutResult put(NodeId key, DhtValue value, Instant now);

    /** The live value, if any; an expired one is not returned. */
    Optional<DhtValue> get(NodeId key, Instant now);

    Optional<StoredEntry> entry(NodeId key, Instant now);

    /** A snapshot of every live entry. */
    List<StoredEntry> entries(Instant now);

    /** Removes expired entries; returns how many. */
    int expire(Instant now);

    int size();

    long bytes();

    StorageLimits limits();

    @Override
    void close();
}
