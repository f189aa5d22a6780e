package dev.dhtsignal.tools.bench;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.dht.storage.StorageLimits;
import dev.dhtsignal.dht.storage.ValueStore;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code store-footprint}: measures the heap one stored entry takes beyond its key and value bytes, and one
 * remembered expired value, the two numbers {@link StorageLimits} counts with. It fills an in-memory store
 * as the node does (keys and values decoded from bytes, every entry from a different source network, the
 * worst case for the per-network bookkeeping), compares the heap in use after full collections before and
 * after, then lets every entry expire and measures what stays.
 */
@Command(name = "store-footprint", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures the heap per stored entry and per remembered expired value.",
                "Run it with a heap large enough for COUNT entries, e.g. java -Xmx1g."})
public final class StoreFootprint implements Callable<Integer> {
    @Option(names = "--count", paramLabel = "N", defaultValue = "200000",
            description = "Entries to store (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--value-bytes", paramLabel = "N", defaultValue = "16",
            description = "Bytes of each value, a msgpack bin (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Override
    public Integer call() throws UnknownHostException {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Duration ttl = Duration.ofHours(1);
        ValueStore store = new MemoryValueStore(new StorageLimits(ttl, 1 << 20, Integer.MAX_VALUE, Long.MAX_VALUE));
        Random random = new Random(1);
        long before = heapAfterGc();
        long valueOnly = 0;
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[NodeId.LENGTH];
            random.nextBytes(key);
            byte[] data = new byte[valueBytes];
            random.nextBytes(data);
            DhtValue value = DhtValue.fromEncoded(DhtValue.bytes(data).encoded());
            valueOnly += NodeId.LENGTH + value.encodedSize();
            InetAddress source = InetAddress.getByAddress(new byte[] {
                    (byte) (11 + (i >> 16)), (byte) (i >> 8), (byte) i, 1});
            if (store.put(NodeId.of(key), value, SourcePrefix.of(source), t0) != ValueStore.PutResult.STORED) {
                throw new IllegalStateException("store refused entry " + i);
            }
        }
        long full = heapAfterGc();
        store.expire(t0.plus(ttl));
        long expired = heapAfterGc();
        if (store.size() != 0) {
            throw new IllegalStateException("entries left after expiry: " + store.size());
        }
        double perEntry = (double) (full - before) / count;
        double overhead = perEntry - (double) valueOnly / count;
        double perExpired = (double) (expired - before) / count;
        System.out.printf("%d entries of %d-byte values (%d encoded), each from its own source network%n", count,
                valueBytes, valueOnly / count - NodeId.LENGTH);
        System.out.printf("heap per entry:           %.0f bytes (key and value %d, overhead %.0f; counted: %d)%n",
                perEntry, valueOnly / count, overhead, StorageLimits.ENTRY_OVERHEAD_BYTES);
        System.out.printf("heap per expired value:   %.0f bytes (counted: %d)%n", perExpired,
                StorageLimits.EXPIRED_VALUE_OVERHEAD_BYTES);
        System.out.printf("default limits for this heap (%d MiB): %s%n", Runtime.getRuntime().maxMemory() >> 20,
                StorageLimits.defaults());
        boolean within = overhead <= StorageLimits.ENTRY_OVERHEAD_BYTES
                && perExpired <= StorageLimits.EXPIRED_VALUE_OVERHEAD_BYTES;
        System.out.println(within ? "the counted overheads cover what was measured"
                : "MEASURED MORE than the counted overheads");
        store.close();
        return within ? 0 : 1;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
