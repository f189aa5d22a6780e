package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link FileValueStore} finds in its directory when it opens: the last entry of each key (the
 * snapshot, then the log replayed over it), the entries that expired meanwhile, and what went wrong
 * reading: a torn last record (a crash during a write) is cut off, a damaged file is set aside.
 */
final class StateOnDisk {
    private static final Logger log = LoggerFactory.getLogger(StateOnDisk.class);

    final Map<NodeId, StoredEntry> live = new HashMap<>();
    final List<Path> setAside = new ArrayList<>();
    final List<StoredEntry> expiredEntries = new ArrayList<>();
    int expired;
    long logValidBytes;
    long tornBytes;

    private StateOnDisk() {
    }

    /** Reads the snapshot, then replays the log over it; sets aside what does not verify. */
    static StateOnDisk load(Path dir, Instant now) throws IOException {
        StateOnDisk found = new StateOnDisk();
        Path snapshot = dir.resolve(FileValueStore.SNAPSHOT_FILE);
        AtomicFile.removeLeftoverTemp(snapshot);
        if (Files.exists(snapshot)) {
            SnapshotFile.Read read = SnapshotFile.read(snapshot, e -> found.live.put(e.key(), e));
            if (!read.verified()) {
                found.setAside.add(DamagedFiles.setAside(snapshot, read.problem() + "; kept the " + read.entries()
                        + " entries before the damage"));
            }
        }

        Path logFile = dir.resolve(FileValueStore.LOG_FILE);
        if (Files.exists(logFile)) {
            long[] replayed = {0};
            RecordFrames.Scan scan = AppendOnlyLog.replay(logFile, e -> {
                found.live.put(e.key(), e);
                replayed[0]++;
            });
            switch (scan.ending()) {
                case COMPLETE -> found.logValidBytes = scan.validBytes();
                case TORN_TAIL -> {
                    found.logValidBytes = scan.validBytes();
                    found.tornBytes = scan.fileBytes() - scan.validBytes();
                    log.warn("{} ends in a torn record ({}) at offset {}: a crash interrupted a write. Kept the {} "
                                    + "complete records before it and cut off the last {} bytes.", logFile,
                            scan.problem(), scan.validBytes(), replayed[0], found.tornBytes);
                }
                case DAMAGED -> found.setAside.add(DamagedFiles.setAside(logFile, scan.problem() + " at offset "
                        + scan.validBytes() + " of " + scan.fileBytes() + "; kept the " + replayed[0]
                        + " records before it, the rest is only in the set-aside file"));
            }
        }

        found.live.values().removeIf(e -> {
            boolean expired = e.isExpired(now);
            if (expired) {
                found.expired++;
                found.expiredEntries.add(e);
            }
            return expired;
        });
        return found;
    }
}
