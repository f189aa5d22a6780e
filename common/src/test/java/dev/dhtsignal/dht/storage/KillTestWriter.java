package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.ValueStore.PutResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The child process of {@link FileValueStoreKillTest}: opens a store in the directory given as its
 * argument and puts values as fast as it can, printing {@code ACK n} after put number n returned, until
 * it is killed. Keys repeat and the compaction threshold is small, so the kill may land in the middle of
 * an overwrite or of a compaction.
 */
public final class KillTestWriter {
    static final int KEYS = 200;
    static final long COMPACT_AFTER_LOG_BYTES = 32 << 10;
    /** A safety net: a child the test forgot to kill ends on its own. */
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);

    private KillTestWriter() {
    }

    static NodeId keyOf(long n) {
        return NodeId.digestOf("key-" + n % KEYS);
    }

    static DhtValue valueOf(long n) {
        return DhtValue.text("value-" + n + "-" + "x".repeat(150));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FileValueStore.Settings settings = new FileValueStore.Settings(COMPACT_AFTER_LOG_BYTES, Duration.ofSeconds(1));
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        try (FileValueStore store = FileValueStore.open(dir, StorageLimits.defaults(), Clock.systemUTC(), settings)) {
            for (long n = 0; System.nanoTime() < deadline; n++) {
                PutResult result = store.put(keyOf(n), valueOf(n), Instant.now());
                if (result != PutResult.STORED) {
                    System.out.println("REFUSED " + n + " " + result);
                    System.exit(2);
                }
                System.out.println("ACK " + n);
                System.out.flush();
            }
        }
        System.exit(3);
    }
}
