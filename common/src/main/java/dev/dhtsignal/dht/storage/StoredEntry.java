package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored value, the time this node first stored this exact value, the time it expires, and the network
 * it came from (what it counts against: {@link SourcePrefix}).
 */
public record StoredEntry(NodeId key, DhtValue value, Instant storedAt, Instant expiresAt, SourcePrefix source) {
    public StoredEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(storedAt, "storedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(source, "source");
    }

    /** An entry of this node's own (or of an unknown source). */
    public StoredEntry(NodeId key, DhtValue value, Instant storedAt, Instant expiresAt) {
        this(key, value, storedAt, expiresAt, SourcePrefix.LOCAL);
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /**
     * Bytes of memory this entry counts against the storage limit: the key, the encoded value and the
     * objects that hold them ({@link StorageLimits#ENTRY_OVERHEAD_BYTES}).
     */
    public long footprint() {
        return StorageLimits.footprintOf(value);
    }
}
