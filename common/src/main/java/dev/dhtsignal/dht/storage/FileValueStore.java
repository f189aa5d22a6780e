package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ValueStore} that keeps its values in a directory, so they outlive the process. It behaves
 * exactly as {@link MemoryValueStore}, which holds the live entries and answers every read; this class
 * adds that each accepted store is written to disk before its future completes.
 *
 * <h2>Threads</h2>
 * Every store runs on the store's own writer thread, in the order they were made, so the caller (the
 * node's receiver) never waits for the disk: it hands the store over and sends the reply when the future
 * completes, on the writer thread. Reads take the store's lock only for memory work and never wait for a
 * write or a compaction. The writer queue is bounded ({@link #WRITE_QUEUE}); a store beyond it is refused
 * at once as {@link PutResult#BUSY}.
 *
 * <h2>The directory</h2>
 * <pre>
 *   values.snapshot       every live entry as of the last compaction ({@link SnapshotFile})
 *   values.log            every put since then, appended in order ({@link AppendOnlyLog})
 *   data-dir.lock         held while open, so one directory serves one process ({@link DataDirLock})
 *   *.tmp                 a snapshot being written; a leftover one is deleted on open
 *   *.damaged-EPOCHMILLIS a file that failed verification, set aside for inspection ({@link DamagedFiles})
 * </pre>
 * The state is the snapshot with the log replayed over it, the last write of each key winning, less the
 * entries whose absolute expiry time has passed. Replaying is idempotent: replaying a log again over a
 * snapshot that already took it in changes nothing, which is what makes compaction crash-safe.
 *
 * <h2>Durability</h2>
 * A put is in the log, in the OS page cache, when it returns, so an acknowledged value survives a crash
 * or {@code kill -9} of this process. A background thread fsyncs the log every {@link Settings#syncInterval}
 * (one second by default) and {@link #close} fsyncs it, so a power loss or kernel crash costs at most the
 * puts of that last interval. On open, a torn last record is cut off with a warning; a file that is
 * damaged anywhere else is set aside and the store keeps what verified before the damage.
 *
 * <h2>Compaction</h2>
 * When the log outgrows {@link Settings#compactAfterLogBytes}, the live entries are written as a new
 * snapshot (temp file, fsync, rename over the old one, fsync the directory) and then the log is emptied.
 * A crash before the rename leaves the old snapshot and the full log; a crash after it leaves the new
 * snapshot and a log it already contains, which replays to the same state. Compaction runs on the writer
 * thread after the store that crossed the threshold, so later stores wait for it in the queue, while
 * reads go on: the lock is held only to copy the live entries. It writes only live entries, whose size
 * {@link StorageLimits#maxBytes()} bounds.
 *
 * <p>A store of the value a key already holds writes nothing: its first store's record, with its times,
 * stands (see {@link ValueRecords}).
 *
 * <p>The clock given to {@link #open} decides which entries are expired on open and at compaction; it
 * should be the clock whose instants are passed to {@link #put}.
 */
public final class FileValueStore extends MemoryValueStore {
    private static final Logger log = LoggerFactory.getLogger(FileValueStore.class);

    static final String SNAPSHOT_FILE = "values.snapshot";
    static final String LOG_FILE = "values.log";
    /** Stores waiting for the writer at most; 8 MiB of the largest values. */
    static final int WRITE_QUEUE = 1024;

    /**
     * How the store uses the disk.
     *
     * @param compactAfterLogBytes log size that triggers a compaction
     * @param syncInterval         how often the log is fsynced when something was written: the most a power
     *                             loss can cost
     */
    public record Settings(long compactAfterLogBytes, Duration syncInterval) {
        public static final long DEFAULT_COMPACT_AFTER_LOG_BYTES = 32L << 20;
        public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

        public Settings {
            if (compactAfterLogBytes < 1) {
                throw new IllegalArgumentException("compaction threshold must be positive, got " + compactAfterLogBytes);
            }
            if (syncInterval.isNegative() || syncInterval.isZero()) {
                throw new IllegalArgumentException("sync interval must be positive, got " + syncInterval);
            }
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_COMPACT_AFTER_LOG_BYTES, DEFAULT_SYNC_INTERVAL);
        }
    }

    /**
     * What opening found on disk, for the server to report.
     *
     * @param entriesLoaded    live entries now in the store
     * @param expiredSkipped   entries on disk whose lifetime had run out, not loaded
     * @param tornBytesDropped bytes of an incomplete last log record cut off (a crash mid-write)
     * @param setAside         files that failed verification and were moved aside
     */
    public record Recovery(int entriesLoaded, int expiredSkipped, long tornBytesDropped, List<Path> setAside) {
        public Recovery {
            setAside = List.copyOf(setAside);
        }
    }

    private final Path dir;
    private final Clock clock;
    private final Settings settings;
    private final DataDirLock lock;
    private final AppendOnlyLog appendLog;
    private final ScheduledExecutorService syncer;
    private final ThreadPoolExecutor writer;
    private Recovery recovery;
    /** Log size at which the next compaction is tried; raised after a failed one so it is not retried per put. */
    private long compactAt;
    private volatile boolean closed;
    private boolean writeFailing;  // only touched by the writer thread
    private boolean syncFailing;  // only touched by the sync thread

    private FileValueStore(Path dir, StorageLimits limits, Clock clock, Settings settings, DataDirLock lock,
                           AppendOnlyLog appendLog) {
        super(limits);
        this.dir = dir;
        this.clock = clock;
        this.settings = settings;
        this.lock = lock;
        this.appendLog = appendLog;
        this.compactAt = settings.compactAfterLogBytes();
        this.syncer = FatalErrors.scheduledExecutor("values-log-sync " + dir.getFileName());
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.NANOSECONDS, new ArrayBlockingQueue<>(WRITE_QUEUE),
                FatalErrors.threads("values-writer " + dir.getFileName()));
    }

    /** Opens the store in {@code dir} with default {@link Settings}. */
    public static FileValueStore open(Path dir, StorageLimits limits, Clock clock) throws IOException {
        return open(dir, limits, clock, Settings.defaults());
    }

    /**
     * Opens the store in {@code dir}, creating the directory if missing, and loads what it holds.
     *
     * @throws IOException when the directory is in use by another store or cannot be read or written
     */
    public static FileValueStore open(Path dir, StorageLimits limits, Clock clock, Settings settings)
            throws IOException {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(settings, "settings");
        if (limits.maxValueBytes() > RecordFrames.MAX_PAYLOAD_BYTES - 1024) {
            throw new IllegalArgumentException("a file store keeps values of at most "
                    + (RecordFrames.MAX_PAYLOAD_BYTES - 1024) + " bytes, limit is " + limits.maxValueBytes());
        }
        Files.createDirectories(dir);
        DataDirLock lock = DataDirLock.acquire(dir);
        AppendOnlyLog appendLog = null;
        try {
            Instant now = clock.instant();
            StateOnDisk found = StateOnDisk.load(dir, now);
            appendLog = AppendOnlyLog.openForAppend(dir.resolve(LOG_FILE), found.logValidBytes);
            FileValueStore store = new FileValueStore(dir, limits, clock, settings, lock, appendLog);
            for (StoredEntry e : found.live.values()) {
                store.place(e);
            }
            for (StoredEntry e : found.expiredEntries) {
                store.rememberExpired(e, now);
            }
            store.recovery = new Recovery(found.live.size(), found.expired, found.tornBytes, found.setAside);
            store.warnIfOverLimits();
            if (!found.setAside.isEmpty()) {
                // What was recovered from a set-aside file now lives only in memory: write it out.
                try {
                    store.compactNow();
                } catch (IOException e) {
                    throw new IOException("could not write the state recovered from damaged files to " + dir
                            + " (the damaged files are kept, nothing is lost): " + e.getMessage(), e);
                }
            } else {
                store.compactIfDue();  // a log left long by compactions that failed last time
            }
            long interval = settings.syncInterval().toNanos();
            store.syncer.scheduleWithFixedDelay(store::syncInBackground, interval, interval, TimeUnit.NANOSECONDS);
            log.info("opened value store in {}: {} entries loaded, {} expired skipped{}{}", dir,
                    found.live.size(), found.expired,
                    found.tornBytes > 0 ? ", " + found.tornBytes + " torn bytes cut off" : "",
                    found.setAside.isEmpty() ? "" : ", damaged files set aside: " + found.setAside);
            return store;
        } catch (IOException | RuntimeException e) {
            closeQuietly(appendLog);
            closeQuietly(lock);
            throw e;
        }
    }

    private void warnIfOverLimits() {
        StorageLimits limits = limits();
        if (size() > limits.maxEntries() || bytes() > limits.maxBytes()) {
            log.warn("{} holds {} entries and {} bytes, beyond the limits of {} entries and {} bytes (were they "
                            + "lowered?); new keys are refused until entries expire", dir, size(), bytes(),
                    limits.maxEntries(), limits.maxBytes());
        }
    }

    /** What open found on disk. */
    public synchronized Recovery recovery() {
        return recovery;
    }

    public Path directory() {
        return dir;
    }

    /**
     * Stores the value on the writer thread and appends it to the log before completing, so that once the
     * future completes with {@link PutResult#STORED} the value survives the process being killed. When the
     * log cannot be written (disk full, I/O error) or the store is closed, nothing changes and the store is
     * refused as {@link PutResult#FULL}: acknowledging a value that is not on disk would break the promise
     * above. When the writer's queue is full it is refused at once as {@link PutResult#BUSY}.
     */
    @Override
    public CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        CompletableFuture<PutResult> done = new CompletableFuture<>();
        if (closed) {
            done.complete(PutResult.FULL);
            return done;
        }
        try {
            writer.execute(() -> {
                done.complete(write(key, value, source, now));
                compactIfDue();  // after the acknowledgement: the value is in the log already
            });
        } catch (RejectedExecutionException e) {
            done.complete(closed ? PutResult.FULL : PutResult.BUSY);
        }
        return done;
    }

    /** One store, on the writer thread. */
    private PutResult write(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
        synchronized (this) {
            if (closed) {
                log.debug("refused a put to {}: the store is closed", dir);
                return PutResult.FULL;
            }
            Decision decision = decide(key, value, source, now);
            if (decision.entry() == null) {
                return decision.result();
            }
            try {
                appendLog.append(RecordFrames.frame(ValueRecords.put(decision.entry())));
            } catch (IOException e) {
                if (!writeFailing) {
                    writeFailing = true;  // one error per outage, not one per put
                    log.error("refusing puts: cannot write to {}: {}", appendLog.path(), e.toString());
                }
                return PutResult.FULL;
            } catch (RuntimeException e) {
                log.error("refusing a put: writing to {} failed", appendLog.path(), e);
                return PutResult.FULL;
            }
            if (writeFailing) {
                writeFailing = false;
                log.info("writing to {} works again", appendLog.path());
            }
            place(decision.entry());
        }
        return PutResult.STORED;
    }

    /** Runs on the writer thread (or in {@link #open}, before there is one). */
    private void compactIfDue() {
        if (closed || appendLog.size() < compactAt) {
            return;
        }
        try {
            compactNow();
        } catch (IOException e) {
            // The log still holds everything, so nothing is lost; try again once it has grown as much again.
            compactAt = appendLog.size() + settings.compactAfterLogBytes();
            log.warn("compaction of {} failed, will retry later: {}", dir, e.toString());
        }
    }

    /**
     * Writes the live entries as the new snapshot and empties the log, on the writer thread. Safe to
     * interrupt by a crash at any point (see the class comment). Runs by itself when the log grows past its
     * threshold.
     */
    public void compact() throws IOException {
        Future<?> done;
        try {
            done = writer.submit(() -> {
                compactNow();
                return null;
            });
        } catch (RejectedExecutionException e) {
            throw new IOException("value store in " + dir + " is closed or busy");
        }
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compacting " + dir, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("compacting " + dir + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * The compaction itself. Only the writer thread appends to the log, and this runs on it (or before it
     * exists), so nothing can be appended between copying the entries and emptying the log.
     */
    private void compactNow() throws IOException {
        List<StoredEntry> live;
        synchronized (this) {
            if (closed) {
                throw new IOException("value store in " + dir + " is closed");
            }
            live = entries(clock.instant());
        }
        long logBytes = appendLog.size();
        // The new snapshot must be durable (file and rename) before the log is emptied: SnapshotFile.write
        // returns only after fsyncing both, and throws otherwise, leaving the log untouched.
        SnapshotFile.write(dir.resolve(SNAPSHOT_FILE), live);
        synchronized (this) {
            appendLog.reset();
        }
        compactAt = settings.compactAfterLogBytes();
        log.debug("compacted {}: {} live entries in the snapshot, {} log bytes dropped", dir, live.size(), logBytes);
    }

    private void syncInBackground() {
        try {
            appendLog.sync();
            if (syncFailing) {
                syncFailing = false;
                log.info("fsync of {} works again", appendLog.path());
            }
        } catch (IOException e) {
            if (!syncFailing) {
                syncFailing = true;
                log.warn("fsync of {} failed; values written since the last success may not survive a power "
                        + "loss: {}", appendLog.path(), e.toString());
            }
        }
    }

    /**
     * Refuses the stores still queued (as {@link PutResult#FULL}), fsyncs the log, stops the store's threads
     * and releases the directory. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;  // stores made from now on are refused
        }
        writer.shutdown();
        syncer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the writer thread of {} did not stop within 10 s", dir);
            }
            if (!syncer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the sync thread of {} did not stop within 10 s", dir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            appendLog.close();
        } catch (IOException e) {
            log.warn("closing {} failed; the last second of puts may not survive a power loss: {}",
                    appendLog.path(), e.toString());
        }
        closeQuietly(lock);
        log.debug("closed value store in {}", dir);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", c, e.toString());
        }
    }
}
