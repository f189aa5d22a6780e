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
import java.util.concurrent.CompletableFuture;

/** A {@link ValueStore} in memory, bounded by its {@link StorageLimits}. Stores complete at once. */
public class MemoryValueStore implements ValueStore {
    private final StorageLimits limits;
    private final Map<NodeId, StoredEntry> entries = new HashMap<>();
    /** Entries and bytes held per source network, for the quotas; a network holding nothing has no row. */
    private final Map<SourcePrefix, Usage> usage = new HashMap<>();
    private final ExpiredValues expired;
    private long bytes;

    /** What one source network holds. */
    private static final class Usage {
        final SourcePrefix prefix;
        int entries;
        long bytes;

        Usage(SourcePrefix prefix) {
            this.prefix = prefix;
        }
    }

    /**
     * What a store would do.
     *
     * @param result the outcome
     * @param entry  the entry to put in place when the result is STORED; null when nothing changes (a
     *               refusal, or the same value already live)
     */
    protected record Decision(PutResult result, StoredEntry entry) {
    }

    public MemoryValueStore(StorageLimits limits) {
        this.limits = limits;
        this.expired = new ExpiredValues(limits.maxEntries());
    }

    @Override
    public CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        return CompletableFuture.completedFuture(storeNow(key, value, source, now));
    }

    private synchronized PutResult storeNow(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        Decision d = decide(key, value, source, now);
        if (d.entry() != null) {
            place(d.entry());
        }
        return d.result();
    }

    /**
     * What storing {@code value} from {@code source} would do, counting the space the key's current
     * value would free. Changes nothing but the memory of expired values (a refused store of one keeps it
     * refused longer).
     */
    protected final synchronized Decision decide(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        if (value.encodedSize() > limits.maxValueBytes()) {
            return new Decision(PutResult.TOO_LARGE, null);
        }
        StoredEntry old = entries.get(key);
        if (old != null && old.value().equals(value)) {
            // A re-store: the first store's lifetime stands, and once it has run out the value stays gone.
            return new Decision(old.isExpired(now) ? PutResult.EXPIRED : PutResult.STORED, null);
        }
        if (expired.refuses(key, value, now, limits.lifetimeOf(value))) {
            return new Decision(PutResult.EXPIRED, null);
        }
        SourcePrefix canonical = canonical(source);
        StoredEntry entry = new StoredEntry(key, value, now, now.plus(limits.lifetimeOf(value)), canonical);
        long footprint = entry.footprint();
        long freed = old == null ? 0 : old.footprint();
        if (!canonical.isLocal()) {
            Usage u = usage.get(canonical);
            boolean sameSource = old != null && old.source().equals(canonical);
            int prefixEntries = (u == null ? 0 : u.entries) + (sameSource ? 0 : 1);
            long prefixBytes = (u == null ? 0 : u.bytes) + footprint - (sameSource ? freed : 0);
            if (prefixEntries > limits.prefixMaxEntries() || prefixBytes > limits.prefixMaxBytes()) {
                return new Decision(PutResult.OVER_QUOTA, null);
            }
        }
        int newCount = entries.size() + (old == null ? 1 : 0);
        if (newCount > limits.maxEntries() || bytes - freed + footprint > limits.maxBytes()) {
            return new Decision(PutResult.FULL, null);
        }
        return new Decision(PutResult.STORED, entry);
    }

    /** The one instance of a prefix this store holds, so that entries share it rather than each keep a copy. */
    private SourcePrefix canonical(SourcePrefix source) {
        if (source.isLocal()) {
            return SourcePrefix.LOCAL;
        }
        Usage u = usage.get(source);
        return u == null ? source : u.prefix;
    }

    /** Puts an entry in place, replacing any value of its key. */
    protected final synchronized void place(StoredEntry entry) {
        StoredEntry old = entries.put(entry.key(), entry);
        if (old != null) {
            account(old, -1);
        }
        account(entry, 1);
        expired.forget(entry.key());
    }

    private void account(StoredEntry e, int sign) {
        bytes += sign * e.footprint();
        if (e.source().isLocal()) {
            return;
        }
        Usage u = usage.computeIfAbsent(e.source(), Usage::new);
        u.entries += sign;
        u.bytes += sign * e.footprint();
        if (u.entries == 0) {
            usage.remove(e.source());
        }
    }

    /**
     * Remembers an entry that expired before this store held it (found expired on disk), so that a store
     * of its value is refused as if it had expired here.
     */
    protected final synchronized void rememberExpired(StoredEntry e, Instant now) {
        Instant forgetAt = e.expiresAt().plus(limits.lifetimeOf(e.value()));
        if (now.isBefore(forgetAt)) {
            expired.remember(e.key(), e.value(), e.expiresAt(), limits.lifetimeOf(e.value()));
        }
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
        expired.expire(now);
        int removed = 0;
        for (Iterator<StoredEntry> it = entries.values().iterator(); it.hasNext(); ) {
            StoredEntry e = it.next();
            if (e.isExpired(now)) {
                it.remove();
                account(e, -1);
                expired.remember(e.key(), e.value(), now, limits.lifetimeOf(e.value()));
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

    /** Entries held that came from {@code source}. */
    public synchronized int entriesFrom(SourcePrefix source) {
        if (source.isLocal()) {
            return (int) entries.values().stream().filter(e -> e.source().isLocal()).count();
        }
        Usage u = usage.get(source);
        return u == null ? 0 : u.entries;
    }

    /** Expired values remembered (and refused if stored again). */
    public synchronized int rememberedExpired() {
        return expired.size();
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
