package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link ValueStore} in memory, bounded by its {@link StorageLimits}. */
public class MemoryValueStore implements ValueStore {
    private final StorageLimits limits;
    private final Map<NodeId, StoredEntry> entries = new HashMap<>();
    private long bytes;

    public MemoryValueStore(StorageLimits limits) {
        this.limits = limits;
    }

    @Override
    public synchronized PutResult put(NodeId key, DhtValue value, Instant now) {
        PutResult check = admit(key, value);
        if (check != PutResult.STORED) {
            return check;
        }
        place(new StoredEntry(key, value, now, now.plus(limits.ttl())));
        return PutResult.STORED;
    }

    /** Whether a write fits the limits, counting the space the key's current value would free. */
    protected final synchronized PutResult admit(NodeId key, DhtValue value) {
        if (value.encodedSize() > limits.maxValueBytes()) {
            return PutResult.TOO_LARGE;
        }
        StoredEntry old = entries.get(key);
        long newBytes = bytes - (old == null ? 0 : old.footprint()) + NodeId.LENGTH + value.encodedSize();
        int newCount = entries.size() + (old == null ? 1 : 0);
        if (newCount > limits.maxEntries() || newBytes > limits.maxBytes()) {
            return PutResult.FULL;
        }
        return PutResult.STORED;
    }

    /** Puts an entry in place, replacing any value of its key. */
    protected final synchronized void place(StoredEntry entry) {
        StoredEntry old = entries.put(entry.key(), entry);
        bytes += entry.footprint() - (old == null ? 0 : old.footprint());
    }

    @Override
    public synchronized Optional<DhtValue> get(NodeId key, Instant now) {
        return entry(key, now).map(StoredEntry::value);
    }

    @Override
    public synchronized Optional<StoredEntry> entry(NodeId key, Instant now) {
        StoredEntry e = entries.get(key);
        return e == null || e.isExpired(now) ? Optional.empty() : Optional.of(e);
    }

    @Override
    public synchronized List<StoredEntry> entries(Instant now) {
        List<StoredEntry> out = new ArrayList<>(entries.size());
        for (StoredEntry e : entries.values()) {
            if (!e.isExpired(now)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public synchronized int expire(Instant now) {
        int removed = 0;
        for (Iterator<StoredEntry> it = entries.values().iterator(); it.hasNext(); ) {
            StoredEntry e = it.next();
            if (e.isExpired(now)) {
                it.remove();
                bytes -= e.footprint();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public synchronized int size() {
        return entries.size();
    }

    @Override
    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public StorageLimits limits() {
        return limits;
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
