package dev.dhtsignal.dht.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The value store's log, {@code values.log}: every put since the last snapshot, in the order they were
 * made.
 *
 * <pre>
 *   values.log := frame(header ["dhtsignal-values-log", 1])  frame(put)*
 * </pre>
 *
 * (frames: {@link RecordFrames}; records: {@link ValueRecords}). Each record goes to the file in a single
 * plain {@code write}, which puts it in the OS page cache: from then on it survives the death of this
 * process, {@code kill -9} included, because the kernel owns the bytes. Surviving a power loss needs
 * {@link #sync}, which the store calls about once a second; a power loss can therefore cost the last
 * second of puts, and can leave a torn last record, which the reader recognises and cuts off.
 *
 * <p>The file is written with {@link RandomAccessFile}, not a {@code FileChannel}: a channel closes
 * itself for good when a thread is interrupted during an operation on it, and puts arrive on node
 * threads that are interrupted when the node shuts down.
 *
 * <p>Appends and {@link #reset} are called under the store's lock; {@link #sync} may run at the same
 * time from the store's sync thread.
 */
final class AppendOnlyLog implements Closeable {
    private final Path path;
    private final RandomAccessFile file;
    private final Object syncLock = new Object();
    /** Bytes of complete records in the file; everything beyond is cut off after a failed write. */
    private long size;
    /** Set when a failed write could not be undone: appending after a partial record would bury it. */
    private boolean broken;
    /** Whether something was written since the last fsync. */
    private volatile boolean unsynced;
    private boolean closed;  // guarded by syncLock

    private AppendOnlyLog(Path path, RandomAccessFile file, long size) {
        this.path = path;
        this.file = file;
        this.size = size;
    }

    /**
     * Reads a log from the start, handing every put to {@code sink} in order, and says how the good part
     * ends. The first record must be a log header.
     */
    static RecordFrames.Scan replay(Path path, Consumer<StoredEntry> sink) throws IOException {
        return RecordFrames.scan(path, (offset, payload) -> {
            if (offset == 0) {
                ValueRecords.readHeader(payload, ValueRecords.LOG_KIND);
            } else {
                sink.accept(ValueRecords.readPut(payload));
            }
        });
    }

    /**
     * Opens the log to append after its first {@code validBytes} bytes, cutting off anything beyond them
     * (a torn tail), and starts it with a header when it is empty. The file is created if missing.
     */
    static AppendOnlyLog openForAppend(Path path, long validBytes) throws IOException {
        boolean creating = !Files.exists(path);
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
        try {
            if (file.length() != validBytes) {
                file.setLength(validBytes);
            }
            file.seek(validBytes);
            AppendOnlyLog log = new AppendOnlyLog(path, file, validBytes);
            if (validBytes == 0) {
                log.writeHeader();
            }
            // Make the cut durable before anything is appended after it, or a power loss could bring the
            // torn bytes back in the middle of the file.
            log.unsynced = true;
            log.sync();
            if (creating) {
                AtomicFile.syncDirectory(path.getParent());  // a new file's name must survive a power loss too
            }
            return log;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    /** Bytes in the log, header included. */
    long size() {
        return size;
    }

    /**
     * Appends one framed record with a single write. When this returns the record is in the page cache;
     * when it throws, the log is as it was before (or refuses further appends if it cannot be).
     */
    void append(byte[] frame) throws IOException {
        if (broken) {
            throw new IOException(path + " takes no more writes: an earlier failed write could not be undone");
        }
        if (size == 0) {
            writeHeader();  // only after a reset whose header write failed
        }
        write(frame);
    }

    /**
     * Empties the log down to its header, after a snapshot has taken in everything it held. A crash
     * during this leaves an empty or header-only log, and both load fine.
     */
    void reset() throws IOException {
        file.setLength(0);
        file.seek(0);
        size = 0;
        writeHeader();
        unsynced = true;
        sync();
    }

    private void writeHeader() throws IOException {
        write(RecordFrames.frame(ValueRecords.logHeader()));
    }

    private void write(byte[] frame) throws IOException {
        try {
            file.write(frame);
        } catch (IOException e) {
            try {
                file.setLength(size);
                file.seek(size);
            } catch (IOException undo) {
                broken = true;
                e.addSuppressed(undo);
            }
            throw e;
        }
        size += frame.length;
        unsynced = true;
    }

    /** Forces what was written to the disk, if anything was since the last time. */
    void sync() throws IOException {
        synchronized (syncLock) {
            if (closed || !unsynced) {
                return;
            }
            // Cleared before the fsync: a write that lands during it sets the flag again.
            unsynced = false;
            try {
                file.getFD().sync();
            } catch (IOException e) {
                unsynced = true;
                throw e;
            }
        }
    }

    /** Syncs and closes. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (syncLock) {
            if (closed) {
                return;
            }
            try {
                if (unsynced) {
                    file.getFD().sync();
                }
            } finally {
                closed = true;
                file.close();
            }
        }
    }
}
