package dev.dhtsignal.dht.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * The value store's snapshot, {@code values.snapshot}: every live entry at the last compaction.
 *
 * <pre>
 *   values.snapshot := frame(header ["dhtsignal-values-snapshot", 1, N])  frame(put) x N
 * </pre>
 *
 * (frames: {@link RecordFrames}; records: {@link ValueRecords}). A snapshot is only ever replaced whole
 * ({@link AtomicFile}), so unlike the log it has no legitimate torn state: it verifies when every frame
 * checks out and it holds exactly the N entries its header announces, and anything else is damage.
 */
final class SnapshotFile {
    private SnapshotFile() {
    }

    /**
     * What reading a snapshot found.
     *
     * @param verified whether the whole file checked out
     * @param entries  entries handed on: all of them, or those before the damage
     * @param problem  what is wrong, for logs; empty when verified
     */
    record Read(boolean verified, long entries, String problem) {
    }

    /** Replaces the snapshot with {@code entries}, durably and atomically. */
    static void write(Path file, Collection<StoredEntry> entries) throws IOException {
        AtomicFile.write(file, out -> {
            out.write(RecordFrames.frame(ValueRecords.snapshotHeader(entries.size())));
            for (StoredEntry e : entries) {
                out.write(RecordFrames.frame(ValueRecords.put(e)));
            }
        });
    }

    /** Hands every entry that verifies to {@code sink}, in file order, and says whether the file is whole. */
    static Read read(Path file, Consumer<StoredEntry> sink) throws IOException {
        var reader = new RecordFrames.PayloadReader() {
            ValueRecords.Header header;
            long entries;

            @Override
            public void read(long offset, byte[] payload) throws RecordFrames.MalformedRecordException, IOException {
                if (offset == 0) {
                    header = ValueRecords.readHeader(payload, ValueRecords.SNAPSHOT_KIND);
                    return;
                }
                StoredEntry entry = ValueRecords.readPut(payload);
                if (entries == header.entries()) {
                    throw new RecordFrames.MalformedRecordException("more entries than the "
                            + header.entries() + " its header announces");
                }
                sink.accept(entry);
                entries++;
            }
        };
        RecordFrames.Scan scan = RecordFrames.scan(file, reader);
        if (scan.ending() != RecordFrames.Ending.COMPLETE) {
            return new Read(false, reader.entries, scan.problem() + " at offset " + scan.validBytes()
                    + " of " + scan.fileBytes());
        }
        if (reader.header == null) {
            return new Read(false, 0, "the file is empty");
        }
        if (reader.entries != reader.header.entries()) {
            return new Read(false, reader.entries, "it ends after " + reader.entries + " of the "
                    + reader.header.entries() + " entries its header announces");
        }
        return new Read(true, reader.entries, "");
    }
}
