package dev.dhtsignal.dht.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.ValueStore.PutResult;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ValueStore} does, whatever keeps its values. Each backend has a subclass that says
 * how to open one; a new backend is done when its subclass passes.
 */
abstract class ValueStoreContract {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration TTL = Duration.ofHours(1);
    static final StorageLimits ROOMY = new StorageLimits(TTL, 1000, 1000, 1_000_000);
    /** What an entry of a value of this encoded size counts against the byte limit. */
    static long footprint(int encodedSize) {
        return NodeId.LENGTH + encodedSize + StorageLimits.ENTRY_OVERHEAD_BYTES;
    }

    private final List<ValueStore> opened = new ArrayList<>();

    /** A new, empty store with these limits. */
    protected abstract ValueStore open(StorageLimits limits) throws Exception;

    protected final ValueStore store(StorageLimits limits) throws Exception {
        ValueStore s = open(limits);
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ValueStore::close);
    }

    static NodeId key(String name) {
        return NodeId.digestOf(name);
    }

    /** A value whose encoding is exactly {@code encodedSize} bytes (2 to 257). */
    static DhtValue sized(int encodedSize, int fill) {
        byte[] data = new byte[encodedSize - 2];  // bin8: marker, length, data
        Arrays.fill(data, (byte) fill);
        DhtValue v = DhtValue.bytes(data);
        assertEquals(encodedSize, v.encodedSize());
        return v;
    }

    @Test
    void storesAndReturnsValues() throws Exception {
        ValueStore s = store(ROOMY);
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("alpha"), T0));
        assertEquals(PutResult.STORED, s.put(key("b"), DhtValue.integer(42), T0));
        assertEquals(Optional.of(DhtValue.text("alpha")), s.get(key("a"), T0));
        assertEquals(Optional.of(DhtValue.integer(42)), s.get(key("b"), T0));
        assertEquals(Optional.empty(), s.get(key("never stored"), T0));
        assertEquals(ROOMY, s.limits());
    }

    @Test
    void entryCarriesWriteTimeAndExpiry() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("a"), DhtValue.text("alpha"), T0);
        assertEquals(Optional.of(new StoredEntry(key("a"), DhtValue.text("alpha"), T0, T0.plus(TTL))),
                s.entry(key("a"), T0.plusSeconds(1)));
    }

    @Test
    void lastWriteWinsAndANewValueStartsANewLifetime() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("a"), DhtValue.text("first"), T0);
        Instant later = T0.plusSeconds(600);
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("second"), later));
        assertEquals(Optional.of(new StoredEntry(key("a"), DhtValue.text("second"), later, later.plus(TTL))),
                s.entry(key("a"), later));
        assertEquals(1, s.size());
        assertEquals(footprint(DhtValue.text("second").encodedSize()), s.bytes());
    }

    @Test
    void storingTheSameValueAgainDoesNotExtendItsLife() throws Exception {
        ValueStore s = store(ROOMY);
        SourcePrefix replica = SourcePrefix.of(java.net.InetAddress.getByName("203.0.113.9"));
        s.put(key("a"), DhtValue.text("kept"), T0);
        for (int minutes = 10; minutes < 60; minutes += 10) {
            assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("kept"), replica, T0.plusSeconds(60L * minutes)),
                    "a re-store is acknowledged");
        }
        assertEquals(Optional.of(new StoredEntry(key("a"), DhtValue.text("kept"), T0, T0.plus(TTL))),
                s.entry(key("a"), T0.plusSeconds(3000)), "the first store's times and source stand");
        assertEquals(1, s.expire(T0.plus(TTL)), "it expires a ttl after the first store");
        assertEquals(PutResult.EXPIRED, s.put(key("a"), DhtValue.text("kept"), replica, T0.plus(TTL).plusSeconds(1)),
                "a copy pushed back after expiry is refused");
        assertEquals(Optional.empty(), s.get(key("a"), T0.plus(TTL).plusSeconds(1)));
        Instant later = T0.plus(TTL).plusSeconds(2);
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("new"), replica, later), "a new value is taken");
        assertEquals(Optional.of(later.plus(TTL)), s.entry(key("a"), later).map(StoredEntry::expiresAt));
    }

    @Test
    void anExpiredValueStaysRefusedWhileSomeoneKeepsPushingIt() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("a"), DhtValue.text("old"), T0);
        Instant t = T0.plus(TTL);
        s.expire(t);
        // Pushed back every half ttl, for three ttls: each refusal keeps it refused a ttl longer.
        for (int i = 0; i < 6; i++) {
            t = t.plus(TTL.dividedBy(2));
            s.expire(t);
            assertEquals(PutResult.EXPIRED, s.put(key("a"), DhtValue.text("old"), t), "push " + i);
        }
        t = t.plus(TTL);  // nobody pushed it for a whole ttl: forgotten, a store of it is a new store
        s.expire(t);
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("old"), t));
    }

    @Test
    void emptyValuesLiveMinutesNotTheWholeTtl() throws Exception {
        ValueStore s = store(new StorageLimits(Duration.ofDays(7), 1000, 1000, 1_000_000));
        s.put(key("cleared"), DhtValue.text(""), T0);
        s.put(key("cleared-bytes"), DhtValue.bytes(new byte[0]), T0);
        s.put(key("kept"), DhtValue.text(" "), T0);
        Instant after = T0.plus(StorageLimits.EMPTY_VALUE_TTL);
        assertEquals(Optional.of(after), s.entry(key("cleared"), T0).map(StoredEntry::expiresAt));
        assertEquals(2, s.expire(after));
        assertEquals(Optional.empty(), s.get(key("cleared"), after));
        assertEquals(Optional.of(DhtValue.text(" ")), s.get(key("kept"), after));
    }

    @Test
    void oneSourceNetworkHoldsAtMostItsShareAndOthersStillStore() throws Exception {
        int maxEntries = 8 * StorageLimits.PREFIX_SHARE_DIVISOR;
        ValueStore s = store(new StorageLimits(TTL, 1000, maxEntries, 1_000_000));
        SourcePrefix flooder = SourcePrefix.of(java.net.InetAddress.getByName("198.51.100.7"));
        SourcePrefix sameNetwork = SourcePrefix.of(java.net.InetAddress.getByName("198.51.100.200"));
        SourcePrefix honest = SourcePrefix.of(java.net.InetAddress.getByName("203.0.113.1"));
        assertEquals(flooder, sameNetwork, "one /24");
        int share = maxEntries / StorageLimits.PREFIX_SHARE_DIVISOR;
        for (int i = 0; i < share; i++) {
            assertEquals(PutResult.STORED, s.put(key("flood-" + i), DhtValue.integer(i), flooder, T0));
        }
        assertEquals(PutResult.OVER_QUOTA, s.put(key("flood-more"), DhtValue.integer(0), sameNetwork, T0));
        assertEquals(PutResult.STORED, s.put(key("flood-0"), DhtValue.integer(-1), sameNetwork, T0),
                "an overwrite within its share is fine");
        assertEquals(PutResult.STORED, s.put(key("honest"), DhtValue.text("mine"), honest, T0));
        assertEquals(PutResult.STORED, s.put(key("own"), DhtValue.text("ours"), T0), "our own puts have no quota");
        assertEquals(share + 2, s.size());
    }

    @Test
    void sourceQuotaCountsBytesToo() throws Exception {
        long perEntry = footprint(50);
        ValueStore s = store(new StorageLimits(TTL, 1000, 1000, StorageLimits.PREFIX_SHARE_DIVISOR * 2 * perEntry));
        SourcePrefix a = SourcePrefix.of(java.net.InetAddress.getByName("2001:db8:1:2::1"));
        SourcePrefix b = SourcePrefix.of(java.net.InetAddress.getByName("2001:db8:1:3::1"));
        assertEquals(SourcePrefix.of(java.net.InetAddress.getByName("2001:db8:1:2:ffff::9")), a, "one /64");
        assertEquals(PutResult.STORED, s.put(key("a1"), sized(50, 1), a, T0));
        assertEquals(PutResult.STORED, s.put(key("a2"), sized(50, 2), a, T0));
        assertEquals(PutResult.OVER_QUOTA, s.put(key("a3"), sized(2, 3), a, T0));
        assertEquals(PutResult.STORED, s.put(key("b1"), sized(50, 4), b, T0));
    }

    @Test
    void valueOverTheSizeLimitIsRefusedAndChangesNothing() throws Exception {
        ValueStore s = store(new StorageLimits(TTL, 10, 1000, 1_000_000));
        assertEquals(PutResult.STORED, s.put(key("fits"), sized(10, 1), T0));
        assertEquals(PutResult.TOO_LARGE, s.put(key("big"), sized(11, 2), T0));
        assertEquals(PutResult.TOO_LARGE, s.put(key("fits"), sized(11, 3), T0));
        assertEquals(Optional.of(sized(10, 1)), s.get(key("fits"), T0));
        assertEquals(Optional.empty(), s.get(key("big"), T0));
        assertEquals(1, s.size());
    }

    @Test
    void newKeysBeyondTheEntryLimitAreRefusedButOverwritesAreNot() throws Exception {
        ValueStore s = store(new StorageLimits(TTL, 1000, 2, 1_000_000));
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("a"), T0));
        assertEquals(PutResult.STORED, s.put(key("b"), DhtValue.text("b"), T0));
        assertEquals(PutResult.FULL, s.put(key("c"), DhtValue.text("c"), T0));
        assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("a2"), T0));
        assertEquals(Optional.empty(), s.get(key("c"), T0));
        assertEquals(Optional.of(DhtValue.text("a2")), s.get(key("a"), T0));
        assertEquals(2, s.size());
    }

    @Test
    void byteLimitCountsEntriesAndCreditsTheValueAnOverwriteReplaces() throws Exception {
        long entryBytes = footprint(50);
        ValueStore s = store(new StorageLimits(TTL, 1000, 1000, 2 * entryBytes));
        assertEquals(PutResult.STORED, s.put(key("a"), sized(50, 1), T0));
        assertEquals(PutResult.STORED, s.put(key("b"), sized(50, 2), T0));
        assertEquals(2 * entryBytes, s.bytes());
        assertEquals(PutResult.FULL, s.put(key("c"), sized(2, 3), T0), "no room for even a tiny new entry");
        assertEquals(PutResult.FULL, s.put(key("a"), sized(51, 4), T0), "an overwrite may not grow past the limit");
        assertEquals(Optional.of(sized(50, 1)), s.get(key("a"), T0), "a refused overwrite keeps the old value");
        assertEquals(PutResult.STORED, s.put(key("a"), sized(50, 5), T0), "the replaced value's bytes are credited");
        assertEquals(PutResult.STORED, s.put(key("b"), sized(20, 6), T0));
        assertEquals(entryBytes + footprint(20), s.bytes(), "a smaller overwrite frees bytes");
        assertEquals(PutResult.FULL, s.put(key("a"), sized(81, 7), T0), "not beyond the limit");
        assertEquals(PutResult.STORED, s.put(key("a"), sized(80, 7), T0), "freed bytes are usable, up to the limit");
        assertEquals(2 * entryBytes, s.bytes());
        assertEquals(2, s.size());
    }

    @Test
    void valuesExpireByTheInstantGivenToThem() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("a"), DhtValue.text("alpha"), T0);
        assertTrue(s.get(key("a"), T0.plus(TTL).minusNanos(1)).isPresent(), "alive until the last instant");
        assertEquals(Optional.empty(), s.get(key("a"), T0.plus(TTL)), "gone at its expiry");
        assertEquals(Optional.empty(), s.entry(key("a"), T0.plus(TTL)));
        assertTrue(s.get(key("a"), T0).isPresent(), "reads do not remove: 'now' is the caller's");
    }

    @Test
    void expireRemovesOnlyExpiredEntriesAndCountsThem() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("old"), DhtValue.text("old"), T0);
        s.put(key("new"), DhtValue.text("new"), T0.plusSeconds(60));
        assertEquals(0, s.expire(T0.plus(TTL).minusNanos(1)));
        assertEquals(1, s.expire(T0.plus(TTL)));
        assertEquals(1, s.size());
        assertEquals(footprint(DhtValue.text("new").encodedSize()), s.bytes());
        assertEquals(Optional.empty(), s.get(key("old"), T0), "an expired entry is gone for good once removed");
        assertEquals(0, s.expire(T0.plus(TTL)));
    }

    @Test
    void entriesIsASnapshotOfTheLiveEntries() throws Exception {
        ValueStore s = store(ROOMY);
        s.put(key("old"), DhtValue.text("old"), T0);
        s.put(key("new"), DhtValue.text("new"), T0.plusSeconds(60));
        Instant now = T0.plus(TTL);
        List<StoredEntry> live = s.entries(now);
        assertEquals(List.of(new StoredEntry(key("new"), DhtValue.text("new"), T0.plusSeconds(60),
                T0.plusSeconds(60).plus(TTL))), live);
        s.put(key("later"), DhtValue.text("later"), now);
        assertEquals(1, live.size(), "later writes do not show up in an earlier snapshot");
        assertEquals(2, s.entries(now).size());
    }

    @Test
    void sizeAndBytesTrackWhatIsHeld() throws Exception {
        ValueStore s = store(ROOMY);
        assertEquals(0, s.size());
        assertEquals(0, s.bytes());
        s.put(key("a"), DhtValue.text("alpha"), T0);
        s.put(key("b"), DhtValue.bool(true), T0);
        assertEquals(2, s.size());
        assertEquals(footprint(DhtValue.text("alpha").encodedSize()) + footprint(DhtValue.bool(true).encodedSize()),
                s.bytes());
    }

    @Test
    void concurrentPutsAreAllKept() throws Exception {
        ValueStore s = store(ROOMY);
        int threads = 4;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perThread; i++) {
                        assertEquals(PutResult.STORED, s.put(key(thread + "/" + i), DhtValue.integer(i), T0));
                    }
                }, pool));
            }
            Await.result("concurrent puts", CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, s.size());
        Set<NodeId> keys = new HashSet<>();
        s.entries(T0).forEach(e -> keys.add(e.key()));
        assertEquals(threads * perThread, keys.size());
    }
}
