package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.SourceLedger;
import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The BEP 44 items this node stores for others, bounded in time (an item not written again for
 * {@code lifetime} is forgotten; BEP 44 asks for at least two hours) and in number, shared out by source:
 * an item counts against the address that wrote it, and one address, and one network, may hold only
 * their shares ({@link SourceQuotas}); a write beyond its source's share is refused. When the store is
 * full, a new item takes the place of the oldest item of the network holding the most
 * ({@link SourceLedger}), so a flood displaces only the flooder's own items.
 *
 * <p>Writing an item that is stored already (the same immutable value, or the same {@code seq} and value
 * of a mutable one) only renews its life; it still counts against whoever wrote it first, so that a
 * stranger cannot take an honest item onto its own account and then push it out with a flood of its own.
 *
 * <p>Mutable items follow BEP 44's rules: a write must be signed by the item's key (the caller checks),
 * carry a higher {@code seq} than the stored one, and match {@code cas} when it names one. Thread-safe.
 */
public final class ItemStore {
    /** What a write did. */
    public enum Outcome { STORED, CAS_MISMATCH, SEQ_TOO_LOW, OVER_ADDRESS_QUOTA, OVER_NETWORK_QUOTA }

    /** An item and when it was last written. */
    public record Stored(Object item, Instant writtenAt) {
    }

    private final Duration lifetime;
    private final Map<NodeId, Stored> items = new HashMap<>();
    private final SourceLedger<NodeId> ledger;
    private long evicted;

    public ItemStore(SourceQuotas quotas, Duration lifetime) {
        this.ledger = new SourceLedger<>(quotas);
        this.lifetime = lifetime;
    }

    /** Stores a mutable item whose signature the caller has checked, written by {@code source}. */
    public synchronized Outcome putMutable(MutableItem item, Optional<Long> cas, InetAddress source, Instant now) {
        NodeId target = item.target();
        Stored old = live(target, now);
        if (old != null && old.item() instanceof MutableItem prev) {
            if (cas.isPresent() && cas.get() != prev.seq()) {
                return Outcome.CAS_MISMATCH;
            }
            boolean sameValue = Arrays.equals(item.encodedValue(), prev.encodedValue());
            if (item.seq() < prev.seq() || item.seq() == prev.seq() && !sameValue) {
                return Outcome.SEQ_TOO_LOW;
            }
            if (item.seq() == prev.seq()) {
                return renew(target, old, source, now);
            }
        }
        return write(target, item, old != null, source, now);
    }

    public synchronized Outcome putImmutable(ImmutableItem item, InetAddress source, Instant now) {
        NodeId target = item.target();
        Stored old = live(target, now);
        return old != null ? renew(target, old, source, now) : write(target, item, false, source, now);
    }

    /** The same item written again: a longer life; its writer's own rewrite also makes it its newest. */
    private Outcome renew(NodeId target, Stored old, InetAddress source, Instant now) {
        items.put(target, new Stored(old.item(), now));
        if (ledger.holder(target).map(source::equals).orElse(false)) {
            ledger.hold(target, source);
        }
        return Outcome.STORED;
    }

    private Outcome write(NodeId target, Object item, boolean replacing, InetAddress source, Instant now) {
        Optional<SourceLedger.Refusal> refusal = ledger.refusal(target, source);
        if (refusal.isPresent()) {
            return refusal.get() == SourceLedger.Refusal.ADDRESS_QUOTA
                    ? Outcome.OVER_ADDRESS_QUOTA : Outcome.OVER_NETWORK_QUOTA;
        }
        while (!replacing && ledger.isFull()) {
            NodeId out = ledger.heaviestOldest().orElseThrow();
            ledger.release(out);
            items.remove(out);
            evicted++;
        }
        items.put(target, new Stored(item, now));
        ledger.hold(target, source);
        return Outcome.STORED;
    }

    public synchronized Optional<Object> get(NodeId target, Instant now) {
        Stored s = live(target, now);
        return s == null ? Optional.empty() : Optional.of(s.item());
    }

    private Stored live(NodeId target, Instant now) {
        Stored s = items.get(target);
        if (s != null && isOver(s, now)) {
            items.remove(target);
            ledger.release(target);
            return null;
        }
        return s;
    }

    private boolean isOver(Stored s, Instant now) {
        return !s.writtenAt().plus(lifetime).isAfter(now);
    }

    /** Forgets items whose lifetime is over. */
    public synchronized void expire(Instant now) {
        for (Iterator<Map.Entry<NodeId, Stored>> it = items.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<NodeId, Stored> e = it.next();
            if (isOver(e.getValue(), now)) {
                it.remove();
                ledger.release(e.getKey());
            }
        }
    }

    public synchronized int size() {
        return items.size();
    }

    /** Items given up to make room for others since the store began. */
    public synchronized long evicted() {
        return evicted;
    }

    /** Items that {@code address} holds. */
    public synchronized int heldBy(InetAddress address) {
        return ledger.heldBy(address);
    }
}
