package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiving side of files, driven message by message as the channel would drive it, into a real
 * directory: what is refused, what is dropped, and that what is kept is whole.
 */
class IncomingFilesTest {
    @TempDir
    Path directory;
    private final List<String> reported = new CopyOnWriteArrayList<>();
    private final List<PeerMessage> replies = new CopyOnWriteArrayList<>();

    private IncomingFiles receiver(ReceiveLimits limits) {
        return IncomingFiles.into(directory, false, limits,
                (name, size) -> new TransferProgress(null, name, size, System::nanoTime), reported::add);
    }

    private PeerMessage lastReply() {
        return replies.get(replies.size() - 1);
    }

    @Test
    void aFileLargerThanTheFreeSpaceIsRefusedNamingTheFreeSpace() throws IOException {
        IncomingFiles files = receiver(ReceiveLimits.DEFAULTS);
        long free = Files.getFileStore(directory).getUsableSpace();
        long announced = Math.max(1L << 40, free * 2);  // 1 TiB, or twice the free space on a disk larger than that
        files.onOffer(PeerMessage.file(1, "huge.bin", announced), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        String reason = lastReply().reason();
        assertTrue(reason.startsWith("it is " + TransferProgress.bytes(announced) + " and only "), reason);
        assertTrue(reason.contains(" are free on the receiving disk ("), reason);
        assertTrue(reported.get(0).startsWith("Refused file 'huge.bin': it is "), reported.toString());
        assertEquals(List.of(), list(), "nothing was created");
    }

    @Test
    void aFileOverMaxSizeIsRefusedAndOneUnderIsAccepted() {
        IncomingFiles files = receiver(new ReceiveLimits(1000, 10, Duration.ofMinutes(1)));
        files.onOffer(PeerMessage.file(1, "big.bin", 1001), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        assertEquals("it is 1001 B, more than this receiver's --max-size of 1000 B", lastReply().reason());
        files.onOffer(PeerMessage.file(2, "small.bin", 1000), replies::add);
        assertEquals(PeerMessage.FILE_ACCEPT, lastReply().type());
        files.abort("the test ended");
    }

    @Test
    void offersPastMaxFilesAreRefusedAndReportedOnceNotOneLineEach() throws Exception {
        IncomingFiles files = receiver(new ReceiveLimits(Long.MAX_VALUE, 3, Duration.ofMinutes(1)));
        for (int i = 1; i <= 3; i++) {
            receive(files, i, "f" + i + ".txt", ("file " + i).getBytes(StandardCharsets.UTF_8));
            assertEquals(PeerMessage.FILE_OK, lastReply().type(), replies.toString());
        }
        for (int i = 4; i <= 200; i++) {
            files.onOffer(PeerMessage.file(i, "f" + i + ".txt", 1), replies::add);
            assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
            assertEquals("this receiver takes at most 3 files per connection (--max-files)", lastReply().reason());
        }
        assertEquals(List.of("f1.txt", "f2.txt", "f3.txt"), list());
        assertEquals("Refused file 'f4.txt': this receiver takes at most 3 files per connection (--max-files); "
                + "further offers are refused without a line each", reported.get(3));
        assertEquals(3 + 1, reported.size(), "three received, then one line for all the refusals: " + reported);
    }

    @Test
    void aFileWhoseBytesStopComingIsDroppedAfterTheStallTimeoutItsPartDeleted() throws IOException {
        IncomingFiles files = receiver(new ReceiveLimits(Long.MAX_VALUE, 10, Duration.ofMillis(300)));
        files.onOffer(PeerMessage.file(7, "slow.bin", 1000), replies::add);
        files.onChunk(new byte[100], replies::add);
        assertEquals(1, list().size(), "its temporary part exists while it comes");
        Await.until("the stalled file to be dropped", Await.DEADLINE,
                () -> lastReply().type().equals(PeerMessage.FILE_FAILED));
        assertEquals(7L, lastReply().id());
        assertTrue(lastReply().reason().startsWith("nothing of it arrived for 300 ms (the receiver's --stall-timeout) after 100 B"),
                lastReply().reason());
        assertTrue(reported.get(0).startsWith("File 'slow.bin' not kept: nothing of it arrived for 300 ms"), reported.toString());
        assertEquals(List.of(), list(), "the temporary part is deleted");
        files.onChunk(new byte[100], replies::add);  // the sender waking up later changes nothing
        assertEquals(List.of(), list());
        assertEquals(List.of("slow.bin: " + lastReply().reason()), files.failures());
    }

    @Test
    void aFileThatKeepsComingIsNotDroppedHoweverLongItTakes() throws Exception {
        IncomingFiles files = receiver(new ReceiveLimits(Long.MAX_VALUE, 10, Duration.ofSeconds(1)));
        byte[] content = new byte[20];
        files.onOffer(PeerMessage.file(1, "steady.bin", content.length), replies::add);
        for (int i = 0; i < content.length; i++) {
            Thread.sleep(100);  // 2 s in all, well past the stall limit, never a stall
            files.onChunk(new byte[] {content[i]}, replies::add);
        }
        files.onEnd(PeerMessage.fileEnd(1, sha256(content)), replies::add);
        assertEquals(PeerMessage.FILE_OK, lastReply().type(), replies.toString());
    }

    @Test
    void aNameOf250BytesIsReceivedUnderItsShortenedNameWithItsExtension() throws Exception {
        IncomingFiles files = receiver(ReceiveLimits.DEFAULTS);
        String name = "é".repeat(123) + ".pdf";  // 250 bytes of UTF-8
        byte[] content = "a report".getBytes(StandardCharsets.UTF_8);
        receive(files, 1, name, content);
        assertEquals(PeerMessage.FILE_OK, lastReply().type(), replies + " " + reported);
        String kept = "é".repeat(115) + ".pdf";  // 234 bytes: the most whole characters within 235
        assertEquals(List.of(kept), list());
        assertArrayEquals(content, Files.readAllBytes(directory.resolve(kept)));
    }

    @Test
    void aBidiOverrideAndALookAlikeSlashAreNotPartOfTheNameKept() throws Exception {
        IncomingFiles files = receiver(ReceiveLimits.DEFAULTS);
        receive(files, 1, "invoice\u202Efdp.exe", new byte[] {1});
        receive(files, 2, "etc\u2215passwd", new byte[] {2});
        assertEquals(List.of("etc_passwd", "invoicefdp.exe"), list());
        assertTrue(reported.get(0).startsWith("Received file 'invoicefdp.exe' (1 bytes, SHA-256 verified) as "
                + directory.resolve("invoicefdp.exe") + ": 1 B in "), reported.toString());
    }

    /** A consent that records what it was asked and answers as told. */
    private final List<Consent.Offer> asked = new CopyOnWriteArrayList<>();

    private IncomingFiles asking(String answer, boolean allowHidden) {
        return IncomingFiles.receiving(directory, false, allowHidden, ReceiveLimits.DEFAULTS, (offer, reply) -> {
            asked.add(offer);
            reply.accept(answer);
        }, (name, size) -> new TransferProgress(null, name, size, System::nanoTime), reported::add);
    }

    private static PeerMessage inDirectory(long id, String name, long size, List<String> dir, Long files, Long total,
                                           List<String> top) {
        return PeerMessage.file(id, name, size).with(new PeerMessage.Extras(dir, files, total, top, true, null, null, null));
    }

    @Test
    void anOfferIsAskedAboutOnceItsFilesGoInTheirDirectoriesAndOneLineSaysSo() throws Exception {
        IncomingFiles files = asking(null, false);
        byte[] a = "a".getBytes(StandardCharsets.UTF_8);
        byte[] b = "bb".getBytes(StandardCharsets.UTF_8);
        receive(files, inDirectory(1, "a.txt", 1, List.of("photos"), 2L, 3L, List.of("photos")), a);
        receive(files, inDirectory(2, "b.txt", 2, List.of("photos", "2024"), null, null, null), b);
        assertEquals(List.of(new Consent.Offer(2, 3, List.of("photos"))), asked, "asked once, about the whole offer");
        assertEquals("photos (2 files, 3 B)", asked.get(0).describe());
        assertArrayEquals(a, Files.readAllBytes(directory.resolve("photos/a.txt")));
        assertArrayEquals(b, Files.readAllBytes(directory.resolve("photos/2024/b.txt")));
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.get(0).startsWith("Received directory 'photos' (2 files, 3 bytes, every SHA-256 verified) as "
                + directory.resolve("photos")), reported.toString());
    }

    @Test
    void anOfferOfSeveralFilesKeepsOneBarUntilItsLastFile() throws Exception {
        List<String> drawn = new CopyOnWriteArrayList<>();
        List<String> erased = new CopyOnWriteArrayList<>();
        LiveLine screen = new LiveLine() {
            @Override
            public void show(java.util.function.IntFunction<String> render) {
                drawn.add(render.apply(200));
            }

            @Override
            public void clear(java.util.function.IntFunction<String> render) {
                erased.add("erased");
            }
        };
        IncomingFiles files = IncomingFiles.receiving(directory, false, false, ReceiveLimits.DEFAULTS, Consent.ALWAYS,
                (name, size) -> new TransferProgress(screen, name, size, System::nanoTime), reported::add);
        receive(files, inDirectory(1, "a.txt", 1, null, 2L, 3L, List.of("a.txt", "b.txt")), new byte[] {1});
        assertEquals(List.of(), erased, "the offer goes on: its bar stays");
        receive(files, inDirectory(2, "b.txt", 2, null, null, null, null), new byte[] {2, 3});
        assertTrue(drawn.get(0).startsWith("a.txt, b.txt (2 files, 3 B) ["), drawn.get(0));
        assertEquals(1, erased.size(), "erased once, at the offer's end");
        assertEquals(2, reported.size(), reported.toString());
    }

    @Test
    void aDeclinedOfferIsRefusedWholeAndItsLaterFilesWithoutAskingAgain() {
        IncomingFiles files = asking("the answerer declined it", false);
        files.onOffer(inDirectory(1, "a.txt", 1, List.of("photos"), 3L, 3L, List.of("photos")), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        assertEquals(Boolean.TRUE, lastReply().extras().all(), "the sender learns the whole offer is refused");
        files.onOffer(inDirectory(2, "b.txt", 1, List.of("photos"), null, null, null), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        assertEquals(1, asked.size());
        assertEquals(List.of("Refused photos (3 files, 3 B): the answerer declined it"), reported);
        assertEquals(List.of(), list());
    }

    @Test
    void directoriesAreMadeSafeAndNeverFollowedThroughALink() throws Exception {
        Path elsewhere = Files.createTempDirectory("elsewhere");
        Files.createSymbolicLink(directory.resolve("linked"), elsewhere);
        IncomingFiles files = asking(null, false);
        files.onOffer(inDirectory(1, "x.txt", 1, List.of("linked"), 3L, 3L, List.of("linked", "..", ".ssh")), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        assertTrue(lastReply().reason().contains("linked is a link here"), lastReply().reason());
        files.onOffer(inDirectory(2, "y.txt", 1, List.of(".."), null, null, null), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        files.onOffer(inDirectory(3, "authorized_keys", 1, List.of(".ssh"), null, null, null), replies::add);
        assertEquals(PeerMessage.FILE_REFUSE, lastReply().type());
        assertTrue(lastReply().reason().contains("--allow-hidden"), lastReply().reason());
        try (Stream<Path> there = Files.list(elsewhere)) {
            assertEquals(0, there.count(), "nothing written through the link");
        }
        assertEquals(List.of("linked"), list());
    }

    @Test
    void hiddenNamesAndWindowsDeviceNamesAreTakenWhenTheReceiverAllowsHidden() throws Exception {
        IncomingFiles files = asking(null, true);
        receive(files, 1, ".hiddenrc", new byte[] {1});
        receive(files, 2, "aux.c", new byte[] {2});
        receive(files, 3, "CON", new byte[] {3});
        assertEquals(List.of(".hiddenrc", "CON", "aux.c"), list());
    }

    @Test
    void anInterruptedFileKeepsItsPartAndTheNextOfferOfItGoesOnFromThere() throws Exception {
        byte[] content = new byte[300_000];
        new java.util.Random(3).nextBytes(content);
        IncomingFiles first = asking(null, false);
        first.onOffer(inDirectory(1, "big.bin", content.length, null, 1L, (long) content.length, null), replies::add);
        assertEquals(PeerMessage.FILE_ACCEPT, lastReply().type());
        assertEquals(null, lastReply().extras().offset());
        first.onChunk(java.util.Arrays.copyOf(content, 100_000), replies::add);
        first.abort("the offerer left");
        assertTrue(reported.get(reported.size() - 1).contains("what arrived is kept"), reported.toString());
        assertEquals(List.of(".big.bin.part-" + "0".repeat(13 - Long.toString(content.length, 36).length())
                + Long.toString(content.length, 36)), list());

        IncomingFiles second = asking(null, false);
        second.onOffer(inDirectory(1, "big.bin", content.length, null, 1L, (long) content.length, null), replies::add);
        assertEquals(PeerMessage.FILE_ACCEPT, lastReply().type());
        assertEquals(100_000L, lastReply().extras().offset(), "only the rest is asked for");
        second.onChunk(java.util.Arrays.copyOfRange(content, 100_000, content.length), replies::add);
        second.onEnd(PeerMessage.fileEnd(1, sha256(content)), replies::add);
        assertEquals(PeerMessage.FILE_OK, lastReply().type(), lastReply().toString());
        assertArrayEquals(content, Files.readAllBytes(directory.resolve("big.bin")));
        assertEquals(List.of("big.bin"), list());
    }

    @Test
    void aKeptPartThatIsNotTheStartOfTheFileFailsTheWholeFileHashAndIsDeleted() throws Exception {
        byte[] content = new byte[1000];
        new java.util.Random(4).nextBytes(content);
        Path part = directory.resolve(".f.bin.part-" + "0".repeat(13 - Long.toString(1000, 36).length())
                + Long.toString(1000, 36));
        Files.write(part, new byte[400]);  // zeros: not what the sender has
        IncomingFiles files = asking(null, false);
        files.onOffer(inDirectory(1, "f.bin", 1000, null, 1L, 1000L, null), replies::add);
        assertEquals(400L, lastReply().extras().offset());
        files.onChunk(java.util.Arrays.copyOfRange(content, 400, 1000), replies::add);
        files.onEnd(PeerMessage.fileEnd(1, sha256(content)), replies::add);
        assertEquals(PeerMessage.FILE_FAILED, lastReply().type());
        assertTrue(lastReply().reason().contains("SHA-256 mismatch"), lastReply().reason());
        assertEquals(List.of(), list(), "neither the file nor the wrong part is kept");
    }

    @Test
    void aFileFromASenderThatCannotResumeNeverTouchesAKeptPart() throws Exception {
        Path part = directory.resolve(".g.bin.part-" + "0".repeat(13 - Long.toString(10, 36).length())
                + Long.toString(10, 36));
        Files.write(part, new byte[4]);
        IncomingFiles files = asking(null, false);
        receive(files, 1, "g.bin", new byte[10]);
        assertEquals(PeerMessage.FILE_OK, lastReply().type());
        assertEquals(4, Files.size(part), "the page's or an older peer's file starts from 0 under a name of its own");
    }

    @Test
    void whatTheSenderSaysIsShownWithItsControlsReplaced() {
        IncomingFiles files = receiver(ReceiveLimits.DEFAULTS);
        files.onOffer(PeerMessage.file(1, "a.txt", 10), replies::add);
        files.onCancel(new PeerMessage(PeerMessage.FILE_CANCEL, null, false, null, 1L, null, null, null,
                "gone\u001b]0;title\u0007\nReceived file 'x'"));
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.get(0).endsWith("(gone\uFFFD]0;title\uFFFD\uFFFDReceived file 'x')"), reported.get(0));
        IncomingFiles notReceiving = IncomingFiles.refusing("not receiving files", reported::add);
        notReceiving.onOffer(PeerMessage.file(2, "\u001b[2Jx\u202E.txt", 1), replies::add);
        assertEquals("Refused \uFFFD[2Jx\uFFFD.txt (1 B): not receiving files", reported.get(1));
    }

    private void receive(IncomingFiles files, long id, String name, byte[] content) throws Exception {
        receive(files, PeerMessage.file(id, name, content.length), content);
    }

    private void receive(IncomingFiles files, PeerMessage offer, byte[] content) throws Exception {
        long id = offer.id();
        files.onOffer(offer, replies::add);
        assertEquals(PeerMessage.FILE_ACCEPT, lastReply().type(), lastReply().toString());
        files.onChunk(content, replies::add);
        files.onEnd(PeerMessage.fileEnd(id, sha256(content)), replies::add);
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private List<String> list() {
        try (Stream<Path> all = Files.list(directory)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
