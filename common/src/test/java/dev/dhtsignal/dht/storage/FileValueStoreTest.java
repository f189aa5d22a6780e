package dev.dhtsignal.dht.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.ManualClock;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.ValueStore.PutResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.junit.jupiter.api.io.TempDir;

/** The contract for the file store, and what it does on disk: reopening, crashes, damage, compaction. */
class FileValueStoreTest extends ValueStoreContract {
    @TempDir
    Path temp;

    private final ManualClock clock = new ManualClock(T0);
    private int stores;

    @Override
    protected ValueStore open(StorageLimits limits) throws IOException {
        return FileValueStore.open(temp.resolve("contract-" + stores++), limits, clock);
    }

    private Path dir() {
        return temp.resolve("data");
    }

    private FileValueStore openData() throws IOException {
        return FileValueStore.open(dir(), ROOMY, clock);
    }

    private static DhtValue valueNo(int i) {
        return DhtValue.text("value number " + i);
    }

    /** Puts keys k0..k(n-1) at T0 and closes the store; returns what it held. */
    private Map<NodeId, StoredEntry> fill(int n) throws IOException {
        try (FileValueStore s = openData()) {
            for (int i = 0; i < n; i++) {
                assertEquals(PutResult.STORED, s.put(key("k" + i), valueNo(i), T0.plusSeconds(i)));
            }
            return byKey(s.entries(T0));
        }
    }

    private static Map<NodeId, StoredEntry> byKey(List<StoredEntry> entries) {
        return entries.stream().collect(Collectors.toMap(StoredEntry::key, e -> e));
    }

    private List<Path> filesNamed(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    /** Where each frame of a store file starts, read from the length fields. */
    private static List<Long> frameOffsets(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        List<Long> offsets = new ArrayList<>();
        while (bytes.remaining() >= RecordFrames.HEADER_BYTES) {
            offsets.add((long) bytes.position());
            int length = bytes.getInt();
            bytes.position(bytes.position() + 4 + length);
        }
        return offsets;
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }

    /** Every loaded entry must be exactly one that was written: nothing made up from damaged bytes. */
    private static void assertAllGenuine(Map<NodeId, StoredEntry> written, List<StoredEntry> loaded) {
        for (StoredEntry e : loaded) {
            assertEquals(written.get(e.key()), e, "loaded an entry that was never written");
        }
    }

    @Test
    void reopenedStoreHasTheSameEntriesWithTheirExpiry() throws IOException {
        try (FileValueStore s = openData()) {
            s.put(key("a"), DhtValue.text("first"), T0);
            s.put(key("b"), DhtValue.bytes(new byte[] {1, 2, 3}), T0.plusSeconds(10));
            s.put(key("a"), DhtValue.text("second"), T0.plusSeconds(20));
        }
        clock.advance(Duration.ofMinutes(30));
        try (FileValueStore s = openData()) {
            assertEquals(Map.of(
                    key("a"), new StoredEntry(key("a"), DhtValue.text("second"), T0.plusSeconds(20),
                            T0.plusSeconds(20).plus(TTL)),
                    key("b"), new StoredEntry(key("b"), DhtValue.bytes(new byte[] {1, 2, 3}), T0.plusSeconds(10),
                            T0.plusSeconds(10).plus(TTL))),
                    byKey(s.entries(clock.instant())));
            assertEquals(new FileValueStore.Recovery(2, 0, 0, List.of()), s.recovery());
            assertEquals(2, s.size());
            assertEquals(footprint(DhtValue.text("second").encodedSize()) + footprint(5), s.bytes());
        }
    }

    @Test
    void aRestartKeepsTheFirstStoreTimeAndTheSourceSoLivesAreNotExtended() throws IOException {
        SourcePrefix peer = SourcePrefix.of(java.net.InetAddress.getByName("203.0.113.40"));
        try (FileValueStore s = openData()) {
            s.put(key("a"), DhtValue.text("replica"), peer, T0);
            s.put(key("a"), DhtValue.text("replica"), peer, T0.plusSeconds(1800));  // republished: writes nothing
        }
        StoredEntry first = new StoredEntry(key("a"), DhtValue.text("replica"), T0, T0.plus(TTL), peer);
        clock.advance(Duration.ofMinutes(40));
        try (FileValueStore s = openData()) {
            assertEquals(List.of(first), s.entries(clock.instant()));
            assertEquals(1, s.entriesFrom(peer), "it still counts against its source's quota");
            s.put(key("a"), DhtValue.text("replica"), peer, clock.instant());
            s.compact();
        }
        try (FileValueStore s = openData()) {
            assertEquals(List.of(first), s.entries(clock.instant()), "the snapshot keeps them too");
        }
    }

    @Test
    void aValueThatExpiredWhileClosedIsNotTakenBackAfterTheRestart() throws IOException {
        try (FileValueStore s = openData()) {
            s.put(key("a"), DhtValue.text("old"), T0);
        }
        clock.advance(TTL.plusMinutes(5));
        try (FileValueStore s = openData()) {
            assertEquals(1, s.recovery().expiredSkipped());
            assertEquals(PutResult.EXPIRED, s.put(key("a"), DhtValue.text("old"), clock.instant()));
            assertEquals(PutResult.STORED, s.put(key("a"), DhtValue.text("new"), clock.instant()));
        }
    }

    @Test
    void filesOfTheFirstFormatStillLoad() throws IOException {
        // Version 1: puts of 7 elements, without the source.
        Files.createDirectories(dir());
        MessageBufferPacker header = MessagePack.newDefaultBufferPacker();
        header.packArrayHeader(2).packString(ValueRecords.LOG_KIND).packInt(1);
        byte[] value = DhtValue.text("from v1").encoded();
        MessageBufferPacker put = MessagePack.newDefaultBufferPacker();
        put.packArrayHeader(7).packString("put");
        put.packBinaryHeader(NodeId.LENGTH).writePayload(key("a").toBytes());
        put.packBinaryHeader(value.length).writePayload(value);
        put.packLong(T0.getEpochSecond()).packInt(0).packLong(T0.plus(TTL).getEpochSecond()).packInt(0);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        log.write(RecordFrames.frame(header.toByteArray()));
        log.write(RecordFrames.frame(put.toByteArray()));
        Files.write(dir().resolve(FileValueStore.LOG_FILE), log.toByteArray());
        try (FileValueStore s = openData()) {
            assertEquals(List.of(new StoredEntry(key("a"), DhtValue.text("from v1"), T0, T0.plus(TTL), SourcePrefix.LOCAL)),
                    s.entries(T0));
            assertEquals(PutResult.STORED, s.put(key("b"), DhtValue.text("v2"), T0), "appends after v1 records");
        }
        try (FileValueStore s = openData()) {
            assertEquals(2, s.size());
        }
    }

    @Test
    void storesWaitForACompactionThatIsStuckOnTheDiskButReadsDoNot() throws Exception {
        FileValueStore.Settings small = new FileValueStore.Settings(4096, Duration.ofSeconds(1));
        int i = 0;
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small);
             StuckDisk stuck = StuckDisk.at(StuckDisk.snapshotTempIn(dir()))) {
            java.util.concurrent.CompletableFuture<PutResult> waiting;
            while (true) {  // stores until one crosses the threshold and the compaction after it blocks
                java.util.concurrent.CompletableFuture<PutResult> f = s.store(key("k" + i), valueNo(i), SourcePrefix.LOCAL, T0);
                i++;
                dev.dhtsignal.testing.Await.until("store " + i + " to complete or the writer to block", Duration.ofSeconds(60),
                        () -> f.isDone() || StuckDisk.writerIsStuck());
                if (!f.isDone()) {
                    waiting = f;
                    break;
                }
            }
            // Reads go on meanwhile: they never wait for the disk.
            assertEquals(java.util.Optional.of(valueNo(0)), s.get(key("k0"), T0));
            assertEquals(i - 1, s.entries(T0).size(), "every store acknowledged so far");
            assertFalse(waiting.isDone(), "a store is acknowledged only once written, after what is queued before it");
            stuck.release();
            assertEquals(PutResult.STORED, dev.dhtsignal.testing.Await.result("the waiting store", waiting));
            assertEquals(i, s.size());
        }
        assertFalse(Files.exists(StuckDisk.snapshotTempIn(dir())), "the failed compaction cleaned up");
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small)) {
            assertEquals(i, s.size(), "nothing lost");
        }
    }

    @Test
    void entriesExpiredWhileClosedAreNotLoaded() throws IOException {
        try (FileValueStore s = openData()) {
            s.put(key("old"), DhtValue.text("old"), T0);
            s.put(key("new"), DhtValue.text("new"), T0.plus(Duration.ofMinutes(30)));
        }
        clock.advance(TTL);
        try (FileValueStore s = openData()) {
            assertEquals(1, s.size());
            assertTrue(s.get(key("new"), clock.instant()).isPresent());
            assertEquals(1, s.recovery().expiredSkipped());
        }
    }

    @Test
    void tornLastRecordIsCutOffAndTheRestLoads() throws IOException {
        Map<NodeId, StoredEntry> written = fill(5);
        Path log = dir().resolve(FileValueStore.LOG_FILE);
        long lastRecord = frameOffsets(log).get(5);
        long fullSize = Files.size(log);
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.setLength(fullSize - 3);  // a crash in the middle of writing the last record
        }

        try (FileValueStore s = openData()) {
            assertEquals(4, s.size());
            assertFalse(s.get(key("k4"), T0).isPresent());
            assertAllGenuine(written, s.entries(T0));
            assertEquals(fullSize - 3 - lastRecord, s.recovery().tornBytesDropped());
            assertEquals(List.of(), s.recovery().setAside());
            assertEquals(lastRecord, Files.size(log), "the torn bytes are cut off");
            s.put(key("k4"), valueNo(4), T0.plusSeconds(4));
        }
        try (FileValueStore s = openData()) {
            assertEquals(written, byKey(s.entries(T0)), "appends after the cut are read back cleanly");
            assertEquals(0, s.recovery().tornBytesDropped());
        }
    }

    @Test
    void zeroFilledTailFromAPowerLossIsCutOff() throws IOException {
        Map<NodeId, StoredEntry> written = fill(3);
        Path log = dir().resolve(FileValueStore.LOG_FILE);
        Files.write(log, new byte[100], StandardOpenOption.APPEND);
        try (FileValueStore s = openData()) {
            assertEquals(written, byKey(s.entries(T0)));
            assertEquals(100, s.recovery().tornBytesDropped());
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void damageInTheMiddleOfTheLogSetsItAsideAndKeepsTheRecordsBefore() throws IOException {
        Map<NodeId, StoredEntry> written = fill(10);
        Path log = dir().resolve(FileValueStore.LOG_FILE);
        byte[] original = Files.readAllBytes(log);
        flipByte(log, frameOffsets(log).get(5) + RecordFrames.HEADER_BYTES + 10);  // inside the 5th put

        try (FileValueStore s = openData()) {
            List<Path> aside = s.recovery().setAside();
            assertEquals(1, aside.size());
            assertTrue(aside.get(0).getFileName().toString().startsWith("values.log.damaged-"), aside.toString());
            assertTrue(Files.exists(aside.get(0)));
            assertEquals(original.length, Files.size(aside.get(0)), "the damaged file is kept whole");
            assertEquals(4, s.size(), "the four puts before the damage");
            for (int i = 0; i < 4; i++) {
                assertEquals(valueNo(i), s.get(key("k" + i), T0).orElseThrow());
            }
            assertAllGenuine(written, s.entries(T0));
        }
        try (FileValueStore s = openData()) {
            assertEquals(4, s.size(), "what was recovered was written back");
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void damagedSnapshotIsSetAsideAndTheStoreOpens() throws IOException {
        Map<NodeId, StoredEntry> written = fill(10);
        try (FileValueStore s = openData()) {
            s.compact();
        }
        Path snapshot = dir().resolve(FileValueStore.SNAPSHOT_FILE);
        flipByte(snapshot, frameOffsets(snapshot).get(6) + RecordFrames.HEADER_BYTES + 3);

        try (FileValueStore s = openData()) {
            List<Path> aside = s.recovery().setAside();
            assertEquals(1, aside.size());
            assertTrue(aside.get(0).getFileName().toString().startsWith("values.snapshot.damaged-"), aside.toString());
            assertTrue(Files.exists(aside.get(0)));
            assertEquals(5, s.size(), "the entries before the damage");
            assertAllGenuine(written, s.entries(T0));
        }
        try (FileValueStore s = openData()) {
            assertEquals(5, s.size());
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void snapshotMissingItsLastEntriesDoesNotVerify() throws IOException {
        fill(4);
        try (FileValueStore s = openData()) {
            s.compact();
        }
        Path snapshot = dir().resolve(FileValueStore.SNAPSHOT_FILE);
        try (RandomAccessFile f = new RandomAccessFile(snapshot.toFile(), "rw")) {
            f.setLength(frameOffsets(snapshot).get(4));  // cut at a frame boundary: every frame checks out
        }
        try (FileValueStore s = openData()) {
            assertEquals(1, s.recovery().setAside().size());
            assertEquals(3, s.size());
        }
    }

    @Test
    void compactionKeepsEverythingAndSurvivesReopen() throws IOException {
        FileValueStore.Settings small = new FileValueStore.Settings(2048, Duration.ofSeconds(1));
        Map<NodeId, StoredEntry> expected = new HashMap<>();
        Path log = dir().resolve(FileValueStore.LOG_FILE);
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small)) {
            for (int i = 0; i < 300; i++) {
                NodeId k = key("k" + i % 40);  // overwrites, so compaction has something to drop
                assertEquals(PutResult.STORED, s.put(k, valueNo(i), T0.plusMillis(i)));
                expected.put(k, s.entry(k, T0).orElseThrow());
                assertTrue(Files.size(log) < 2048 + 100, "the log is compacted once past its threshold");
            }
            assertTrue(Files.exists(dir().resolve(FileValueStore.SNAPSHOT_FILE)));
            assertEquals(expected, byKey(s.entries(T0)));
        }
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small)) {
            assertEquals(expected, byKey(s.entries(T0)));
        }
    }

    @Test
    void compactionDropsExpiredEntries() throws IOException {
        try (FileValueStore s = openData()) {
            s.put(key("old"), DhtValue.text("old"), T0);
            clock.advance(TTL);
            s.put(key("new"), DhtValue.text("new"), clock.instant());
            s.compact();
        }
        Map<String, Integer> kinds = new HashMap<>();
        RecordFrames.scan(dir().resolve(FileValueStore.SNAPSHOT_FILE),
                (offset, payload) -> kinds.merge(offset == 0 ? "header" : "put", 1, Integer::sum));
        assertEquals(Map.of("header", 1, "put", 1), kinds);
    }

    @Test
    void leftoverTempFileOfAnInterruptedCompactionIsRemoved() throws IOException {
        Map<NodeId, StoredEntry> written = fill(6);
        Path tmp = AtomicFile.tempFor(dir().resolve(FileValueStore.SNAPSHOT_FILE));
        Files.write(tmp, new byte[] {0, 0, 1, 0, 'h', 'a', 'l', 'f'});  // a crash while writing the new snapshot
        try (FileValueStore s = openData()) {
            assertFalse(Files.exists(tmp));
            assertEquals(written, byKey(s.entries(T0)));
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void crashBetweenSnapshotRenameAndLogResetReplaysToTheSameState() throws IOException {
        Map<NodeId, StoredEntry> written = fill(8);
        Path log = dir().resolve(FileValueStore.LOG_FILE);
        Path fullLog = temp.resolve("full.log");
        Files.copy(log, fullLog);
        try (FileValueStore s = openData()) {
            s.compact();
        }
        // The new snapshot is in place but the log was never emptied.
        Files.copy(fullLog, log, StandardCopyOption.REPLACE_EXISTING);
        try (FileValueStore s = openData()) {
            assertEquals(written, byKey(s.entries(T0)));
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void logOfANewerFormatIsRefusedNotSetAside() throws IOException {
        Files.createDirectories(dir());
        MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
        packer.packArrayHeader(2).packString(ValueRecords.LOG_KIND).packInt(ValueRecords.VERSION + 1);
        byte[] header = packer.toByteArray();
        Files.write(dir().resolve(FileValueStore.LOG_FILE), RecordFrames.frame(header));
        IOException e = assertThrows(IOException.class, this::openData);
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertTrue(Files.exists(dir().resolve(FileValueStore.LOG_FILE)));
        Files.delete(dir().resolve(FileValueStore.LOG_FILE));
        openData().close();  // the failed open released the directory
    }

    @Test
    void aSecondOpenOfTheSameDirectoryFailsNamingIt() throws IOException {
        try (FileValueStore first = openData()) {
            IOException e = assertThrows(IOException.class, this::openData);
            assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
            assertEquals(PutResult.STORED, first.put(key("a"), DhtValue.text("still works"), T0));
        }
        openData().close();  // free again once closed
    }

    @Test
    void putsFromAnInterruptedThreadStillReachTheDisk() throws IOException {
        // A node interrupts its threads when it shuts down; a put racing that must not break the store.
        FileValueStore.Settings small = new FileValueStore.Settings(1024, Duration.ofSeconds(1));
        Map<NodeId, StoredEntry> expected;
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small)) {
            Thread.currentThread().interrupt();
            try {
                for (int i = 0; i < 50; i++) {  // enough to cross the compaction threshold
                    assertEquals(PutResult.STORED, s.put(key("k" + i), valueNo(i), T0));
                }
            } finally {
                assertTrue(Thread.interrupted(), "the store leaves the interrupt for its owner");
            }
            assertEquals(PutResult.STORED, s.put(key("after"), DhtValue.text("after"), T0));
            // The compaction runs on the writer after the store that crossed the threshold, so before "after".
            assertTrue(Files.exists(dir().resolve(FileValueStore.SNAPSHOT_FILE)), "compaction ran despite it");
            expected = byKey(s.entries(T0));
        }
        try (FileValueStore s = FileValueStore.open(dir(), ROOMY, clock, small)) {
            assertEquals(51, expected.size());
            assertEquals(expected, byKey(s.entries(T0)));
            assertEquals(List.of(), s.recovery().setAside());
        }
    }

    @Test
    void closeIsIdempotentAndLaterPutsAreRefused() throws IOException {
        FileValueStore s = openData();
        s.put(key("a"), DhtValue.text("a"), T0);
        s.close();
        s.close();
        assertEquals(PutResult.FULL, s.put(key("b"), DhtValue.text("b"), T0));
        try (FileValueStore again = openData()) {
            assertEquals(1, again.size());
        }
    }
}
