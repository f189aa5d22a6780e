package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The BEP 44 items this node stores for others, bounded in number (least recently written first out) and
 * in time (an item not written again for {@code lifetime} is forgotten; BEP 44 asks for at least two
 * hours). Mutable items follow BEP 44's rules: a write must be signed by the item's key, carry a higher
 * {@code seq} than the stored one (the same {@code seq} with the same value only refreshes it), and match
 * {@code cas} when it names one. Thread-safe.
 */
public final class ItemStore {
    /** What a write did. */
    public enum Outcome { STORED, CAS_MISMATCH, SEQ_TOO_LOW }

    /** An item and when it was last written. */
    public record Stored(Object item, Instant writtenAt) {
    }

    private final int maxItems;
    private final Duration lifetime;
    private final LinkedHashMap<NodeId, Stored> items = new LinkedHashMap<>(16, 0.75f, false);

    public ItemStore(int maxItems, Duration lifetime) {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be positive, got " + maxItems);
        }
        this.maxItems = maxItems;
        this.lifetime = lifetime;
    }

    /** Stores a mutable item whose signature the caller has checked. */
    public synchronized Outcome putMutable(MutableItem item, Optional<Long> cas, Instant now) {
        NodeId target = item.target();
        Stored old = live(target, now);
        if (old != null && old.item() instanceof MutableItem prev) {
            if (cas.isPresent() && cas.get() != prev.seq()) {
                return Outcome.CAS_MISMATCH;
            }
            if (item.seq() < prev.seq()
                    || item.seq() == prev.seq() && !java.util.Arrays.equals(item.encodedValue(), prev.encodedValue())) {
                return Outcome.SEQ_TOO_LOW;
            }
        }
        write(target, item, now);
        return Outcome.STORED;
    }

    public synchronized void putImmutable(ImmutableItem item, Instant now) {
        write(item.target(), item, now);
    }

    private void write(NodeId target, Object item, Instant now) {
        items.remove(target);
        items.put(target, new Stored(item, now));
        while (items.size() > maxItems) {
            Iterator<NodeId> oldest = items.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    public synchronized Optional<Object> get(NodeId target, Instant now) {
        Stored s = live(target, now);
        return s == null ? Optional.empty() : Optional.of(s.item());
    }

    private Stored live(NodeId target, Instant now) {
        Stored s = items.get(target);
        if (s != null && !s.writtenAt().plus(lifetime).isAfter(now)) {
            items.remove(target);
            return null;
        }
        return s;
    }

    /** Forgets items whose lifetime is over. */
    public synchronized void expire(Instant now) {
        for (Iterator<Map.Entry<NodeId, Stored>> it = items.entrySet().iterator(); it.hasNext(); ) {
            if (!it.next().getValue().writtenAt().plus(lifetime).isAfter(now)) {
                it.remove();
            }
        }
    }

    public synchronized int size() {
        return items.size();
    }
}
