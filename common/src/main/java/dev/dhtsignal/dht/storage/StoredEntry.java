package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.Objects;

/** A stored value with the time it was last written and the time it expires. */
public record StoredEntry(NodeId key, DhtValue value, Instant storedAt, Instant expiresAt) {
    public StoredEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(storedAt, "storedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Bytes this entry counts against the storage limit: the key plus the encoded value. */
    public long footprint() {
        return NodeId.LENGTH + value.encodedSize();
    }
}
