package dev.dhtsignal.dht.storage;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Who holds which entries of a store, so that a store can keep each source to its share
 * ({@link SourceQuotas}) and, when full, take room from the heaviest network first. Keys are whatever the
 * store stores by (a BEP 44 target, a torrent and a peer); each is held by the address that wrote it last.
 *
 * <p>Without this, a store that drops its least recently written entry when full lets anyone push out
 * everyone else's entries by writing enough of their own: 50 500 puts from four addresses in 15 s pushed a
 * signed signaling item out of a Mainline node holding 50 000. With it, a flood only ever displaces the
 * flooder's own entries, and an honest source holding one entry loses it only once every network holds
 * as few.
 *
 * <p>Not thread-safe: the store that owns it guards it.
 */
public final class SourceLedger<K> {
    /** Why an entry may not be taken. */
    public enum Refusal {
        /** Its address holds its share already. */
        ADDRESS_QUOTA,
        /** Its network holds its share already. */
        PREFIX_QUOTA
    }

    /** One network's entries, oldest first; ordered among networks by how many. */
    private static final class Load {
        final SourcePrefix prefix;
        final long order;
        final LinkedHashSet<Object> keys = new LinkedHashSet<>();

        Load(SourcePrefix prefix, long order) {
            this.prefix = prefix;
            this.order = order;
        }
    }

    private record Holder(InetAddress address, Load load) {
    }

    private static final Comparator<Load> HEAVIEST_FIRST =
            Comparator.<Load>comparingInt(l -> -l.keys.size()).thenComparingLong(l -> l.order);

    private final SourceQuotas quotas;
    private final Map<K, Holder> holders = new HashMap<>();
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private final Map<SourcePrefix, Load> byPrefix = new HashMap<>();
    /** Every network holding something, heaviest first; a load is taken out before its count changes. */
    private final TreeSet<Load> loads = new TreeSet<>(HEAVIEST_FIRST);
    private long nextOrder;

    public SourceLedger(SourceQuotas quotas) {
        this.quotas = quotas;
    }

    public SourceQuotas quotas() {
        return quotas;
    }

    /** Why {@code source} may not hold {@code key} now, if it may not; a key it holds already is always fine. */
    public Optional<Refusal> refusal(K key, InetAddress source) {
        Holder h = holders.get(key);
        if (h != null && h.address().equals(source)) {
            return Optional.empty();
        }
        if (byAddress.getOrDefault(source, 0) >= quotas.perAddress()) {
            return Optional.of(Refusal.ADDRESS_QUOTA);
        }
        SourcePrefix prefix = SourcePrefix.of(source);
        Load load = byPrefix.get(prefix);
        boolean samePrefix = h != null && h.load().prefix.equals(prefix);
        if (!samePrefix && load != null && load.keys.size() >= quotas.perPrefix()) {
            return Optional.of(Refusal.PREFIX_QUOTA);
        }
        return Optional.empty();
    }

    /** Whether a new key would go beyond the store's size, so that one must make room first ({@link #heaviestOldest}). */
    public boolean isFull() {
        return holders.size() >= quotas.maxEntries();
    }

    /** Records that {@code source} wrote {@code key} now: it becomes that network's newest entry. */
    public void hold(K key, InetAddress source) {
        release(key);
        SourcePrefix prefix = SourcePrefix.of(source);
        Load load = byPrefix.computeIfAbsent(prefix, p -> new Load(p, nextOrder++));
        loads.remove(load);
        load.keys.add(key);
        loads.add(load);
        byAddress.merge(source, 1, Integer::sum);
        holders.put(key, new Holder(source, load));
    }

    /** Forgets {@code key} (expired, or evicted). */
    public void release(K key) {
        Holder h = holders.remove(key);
        if (h == null) {
            return;
        }
        byAddress.computeIfPresent(h.address(), (a, n) -> n == 1 ? null : n - 1);
        Load load = h.load();
        loads.remove(load);
        load.keys.remove(key);
        if (load.keys.isEmpty()) {
            byPrefix.remove(load.prefix);
        } else {
            loads.add(load);
        }
    }

    /** The entry to give up when the store is full: the oldest of the network holding the most. */
    @SuppressWarnings("unchecked")
    public Optional<K> heaviestOldest() {
        if (loads.isEmpty()) {
            return Optional.empty();
        }
        Iterator<Object> oldest = loads.first().keys.iterator();
        return Optional.of((K) oldest.next());
    }

    public int size() {
        return holders.size();
    }

    /** The address that holds {@code key}, if any. */
    public Optional<InetAddress> holder(K key) {
        Holder h = holders.get(key);
        return h == null ? Optional.empty() : Optional.of(h.address());
    }

    /** Entries {@code address} holds. */
    public int heldBy(InetAddress address) {
        return byAddress.getOrDefault(address, 0);
    }

    /** Entries the network of {@code address} holds. */
    public int heldByNetworkOf(InetAddress address) {
        Load load = byPrefix.get(SourcePrefix.of(address));
        return load == null ? 0 : load.keys.size();
    }
}
