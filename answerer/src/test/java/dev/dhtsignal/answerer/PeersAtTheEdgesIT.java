package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peers as people use them, as real processes: stopping with Ctrl-C and SIGTERM, piped input,
 * files, and the hints they print. One dht-server serves every case; each case meets under keys of its
 * own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeersAtTheEdgesIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");
    /** A progress bar as drawn (the name before it is the file's, or the offer's when it has several files). */
    private static final Pattern PROGRESS_BAR = Pattern.compile("\\[[#.]{5,24}] +\\d+% .* MB/s .* left");

    private ProgramProcess server;
    private String dht;
    private final List<ProgramProcess> started = new ArrayList<>();
    @TempDir
    Path temp;

    @BeforeAll
    void startServer() throws IOException {
        server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1");
        Matcher m = READY.matcher(server.awaitLine("the ready line", Duration.ofSeconds(30), l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        dht = "127.0.0.1:" + m.group(1);
    }

    @AfterEach
    void stopPeers() {
        started.forEach(ProgramProcess::close);
        started.clear();
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    /** A peer meeting its partner under keys named after {@code pair}. */
    private ProgramProcess peer(List<String> wrapper, String program, String pair, String... args) throws IOException {
        return peer(wrapper, Map.of(), program, pair, args);
    }

    /** The same with environment variables, e.g. JAVA_TOOL_OPTIONS for a smaller heap. */
    private ProgramProcess peer(List<String> wrapper, Map<String, String> env, String program, String pair, String... args)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("--dht", dht, "--offer-key", pair + "-offer", "--answer-key", pair + "-answer"));
        all.addAll(List.of(args));
        ProgramProcess p = ProgramProcess.startWrapped(wrapper, program, env, all.toArray(String[]::new));
        started.add(p);
        return p;
    }

    private ProgramProcess peer(String program, String pair, String... args) throws IOException {
        return peer(List.of(), program, pair, args);
    }

    @Test
    void everyPipedLineArrivesLongOnesWholeAndBothSidesExitZeroWithQuietStderr() throws Exception {
        ProgramProcess answerer = peer("answerer", "pipe");
        answerer.closeStdin();  // nothing to say: its side ends at once, and it goes on receiving
        ProgramProcess offerer = peer("offerer", "pipe");
        String longLine = "x".repeat(300_000) + "é";  // more than one message may carry
        List<String> sent = new ArrayList<>();
        for (int i = 1; i <= 20_000; i++) {
            sent.add(i == 10_000 ? longLine : Integer.toString(i));
        }
        try (OutputStream in = offerer.stdin()) {
            in.write((String.join("\n", sent) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        List<String> received = answerer.stdoutLines().stream()
                .filter(l -> l.startsWith("Received message on 'chat': "))
                .map(l -> l.substring("Received message on 'chat': ".length()))
                .filter(l -> !l.equals("Hello from Peer A!"))
                .toList();
        assertEquals(sent.size(), received.size(), "lines received");
        assertEquals(sent, received);
        for (ProgramProcess p : List.of(offerer, answerer)) {
            assertFalse(p.stderr().contains(" INFO "), "without -v only warnings and errors\n" + p.transcript());
        }
    }

    @Test
    void ctrlCOnAConnectedPeerTellsTheOtherWhichExitsZero() throws Exception {
        ProgramProcess answerer = peer("answerer", "ctrlc");
        ProgramProcess offerer = peer(ProgramProcess.TAKES_SIGINT, "offerer", "ctrlc");
        offerer.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        answerer.awaitLine("Data channel 'chat' is open", RUN_LIMIT);
        offerer.interrupt();
        assertEquals(130, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains("answerer: the offerer left"), answerer.transcript());
        assertNoNativeNoise(offerer);
    }

    @Test
    void linesSentToAPeerThatVanishedAreCountedAsNotDeliveredAndTheExitCodeSaysSo() throws Exception {
        ProgramProcess answerer = peer("answerer", "vanish");
        ProgramProcess offerer = peer("offerer", "vanish");
        offerer.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        OutputStream in = offerer.stdin();
        in.write("delivered\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        answerer.awaitLine("Received message on 'chat': delivered", RUN_LIMIT);
        answerer.kill();  // gone without a word, as on a crash: nothing it received from now on is acknowledged
        assertEquals(137, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        for (int i = 1; i <= 5; i++) {
            in.write(("lost " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        in.close();
        assertEquals(1, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        // The five lines sent after the kill, and the first one too if its acknowledgement had not left the
        // answerer when it was killed (it printed the line; the offerer cannot know that it did).
        assertTrue(Pattern.compile("(?m)^offerer: [56] lines were not delivered$").matcher(offerer.stderr()).find(),
                offerer.transcript());
        assertTrue(offerer.stderr().contains("offerer: the connection to the answerer was lost"), offerer.transcript());
    }

    @Test
    void aStoppedWaitingOffererWithdrawsItsOfferAndAWrongCodeGetsHints() throws Exception {
        ProgramProcess offerer = peer("offerer", "withdrawn");
        offerer.awaitLine("Waiting for Answer SDP in DHT...", RUN_LIMIT);
        offerer.terminate();
        assertEquals(143, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertNoNativeNoise(offerer);
        // Had the offer stayed, this answerer would take it and fail connecting to nobody instead.
        ProgramProcess answerer = peer("answerer", "withdrawn", "--timeout", "3s");
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains("no offer appeared"), answerer.transcript());
        assertFalse(answerer.stderr().contains("did not work out"), answerer.transcript());

        ProgramProcess wrongCode = ProgramProcess.start("answerer", "--dht", dht, "--session", "WRNG-CODE-0000", "--timeout", "2s");
        started.add(wrongCode);
        assertEquals(1, wrongCode.awaitExit(RUN_LIMIT), wrongCode.transcript());
        assertTrue(wrongCode.stderr().contains("no offer appeared"), wrongCode.transcript());
        assertTrue(wrongCode.stderr().contains("check the code"), wrongCode.transcript());
        assertTrue(wrongCode.stderr().contains("same DHT"), wrongCode.transcript());
        assertFalse(wrongCode.stderr().contains("waiting for an offer:"), "no indicator when not on a terminal");
    }

    @Test
    void filesGoEitherWayVerifiedNeverOverwrittenWithoutForceAndUnsafeNamesAreRefused() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("outbox"));
        Path inbox = Files.createDirectory(temp.resolve("inbox"));
        byte[] big = new byte[5 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        Files.write(outbox.resolve("photo.bin"), big);
        Files.writeString(outbox.resolve("notes.txt"), "new notes\n");
        Files.writeString(outbox.resolve(".hiddenrc"), "a hidden name\n");
        Files.writeString(outbox.resolve("aux.c"), "a device name on Windows, a file here\n");
        Files.writeString(inbox.resolve("notes.txt"), "old notes\n");

        ProgramProcess receiver = peer("answerer", "files1", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "files1", "--send", outbox.resolve("photo.bin").toString(),
                outbox.resolve("notes.txt").toString(), outbox.resolve(".hiddenrc").toString(), outbox.resolve("aux.c").toString());
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        assertArrayEquals(big, Files.readAllBytes(inbox.resolve("photo.bin")));
        assertEquals("old notes\n", Files.readString(inbox.resolve("notes.txt")), "not overwritten without --force");
        assertFalse(Files.exists(inbox.resolve(".hiddenrc")));
        assertEquals("a device name on Windows, a file here\n", Files.readString(inbox.resolve("aux.c")));
        assertTrue(sender.stderr().contains("offerer: notes.txt: the receiver refused it: notes.txt exists (use --force to overwrite)"),
                sender.transcript());
        assertTrue(sender.stderr().contains("offerer: .hiddenrc: the receiver refused it: its name '.hiddenrc' starts with "
                + "a dot (a hidden file; the receiver takes those with --allow-hidden)"), sender.transcript());
        // Not a terminal: one line per file, no bar redrawn with carriage returns.
        assertTrue(sender.stdoutLines().stream().anyMatch(l -> l.startsWith("Sent file 'photo.bin' (" + big.length
                + " bytes, SHA-256 verified by the receiver): 5.0 MiB in ")), sender.transcript());
        assertFalse(sender.stderr().contains("photo.bin"), "one line per outcome\n" + sender.transcript());
        assertEquals(1, sender.stderr().lines().filter(l -> l.contains("notes.txt")).count(), sender.transcript());
        assertFalse(PROGRESS_BAR.matcher(sender.stderr()).find(), sender.transcript());
        assertTrue(receiver.stdoutLines().stream().anyMatch(l -> l.startsWith("Received file 'photo.bin' (" + big.length
                + " bytes, SHA-256 verified) as " + inbox.resolve("photo.bin") + ": 5.0 MiB in ")), receiver.transcript());

        // The other way round, with --force, and the receiver on a terminal: a progress bar.
        ProgramProcess answerSender = peer("answerer", "files2", "--send", outbox.resolve("notes.txt").toString(),
                outbox.resolve("photo.bin").toString());
        List<String> receiverArgs = List.of("--dht", dht, "--offer-key", "files2-offer", "--answer-key", "files2-answer",
                "--receive", inbox.toString(), "--force");
        ProgramProcess offerReceiver = ProgramProcess.startOnTerminal("offerer", receiverArgs.toArray(String[]::new));
        started.add(offerReceiver);
        assertEquals(0, answerSender.awaitExit(RUN_LIMIT), answerSender.transcript());
        assertEquals(0, offerReceiver.awaitExit(RUN_LIMIT), offerReceiver.transcript());
        assertEquals("new notes\n", Files.readString(inbox.resolve("notes.txt")), "overwritten with --force");
        assertArrayEquals(big, Files.readAllBytes(inbox.resolve("photo.bin")));
        // A terminal shows the bar redrawn in place (each carriage return starts a line for the reader here).
        String screen = String.join("\n", offerReceiver.stdoutLines());
        assertTrue(PROGRESS_BAR.matcher(screen).find(), screen);
        try (Stream<Path> left = Files.list(inbox)) {
            assertEquals(List.of("aux.c", "notes.txt", "photo.bin"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files left");
        }
    }

    @Test
    void anInterruptedTransferKeepsNothingUnderTheFinalNameKeepsItsPartAndSaysHowFarItGot() throws Exception {
        Path big = temp.resolve("big.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4L * 1024 * 1024 * 1024);  // sparse: as long to send as a real one, free to make
        }
        Path inbox = Files.createDirectory(temp.resolve("partial"));
        ProgramProcess receiver = peer("answerer", "cut", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "cut", "--send", big.toString());
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!partArrived(inbox)) {
            assertTrue(System.nanoTime() < deadline, "no part of the file arrived\n" + receiver.transcript() + sender.transcript());
            Thread.sleep(20);
        }
        sender.terminate();
        assertEquals(143, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertEquals(1, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        String both = sender.transcript() + receiver.transcript();
        assertTrue(sender.stderr().contains("offerer: stopped; big.bin: "), both);
        assertTrue(sender.stderr().contains(" of 4.0 GiB ("), both);
        // One line for the file's outcome, not a second one for the connection the stop cut.
        assertEquals(1, sender.stderr().lines().filter(l -> l.contains("big.bin")).count(), both);
        assertTrue(receiver.stdoutLines().stream().anyMatch(l -> l.startsWith("File 'big.bin' not kept: the offerer left after ")
                && l.contains(" of 4.0 GiB (") && l.endsWith("what arrived is kept, and the transfer goes on from there when "
                + "the same file is sent here again")), receiver.transcript());
        try (Stream<Path> left = Files.list(inbox)) {
            assertEquals(List.of(".big.bin.part-" + "0".repeat(13 - Long.toString(4L << 30, 36).length())
                    + Long.toString(4L << 30, 36)), left.map(p -> p.getFileName().toString()).toList(),
                    "nothing under the final name; the part is kept for a resume");
        }
    }

    @Test
    void aSenderWhoseReceiverVanishesStopsWhenTheConnectionIsLostAndSaysHowFarItGot() throws Exception {
        Path big = temp.resolve("vanishing.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4L * 1024 * 1024 * 1024);
        }
        Path inbox = Files.createDirectory(temp.resolve("killed"));
        ProgramProcess receiver = peer("answerer", "vanish", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "vanish", "--send", big.toString());
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!partArrived(inbox, "vanishing.bin")) {
            assertTrue(System.nanoTime() < deadline, "no part of the file arrived\n" + receiver.transcript() + sender.transcript());
            Thread.sleep(20);
        }
        receiver.kill();  // as on a crash: no word to the sender, whose send buffer then stays full
        // Once WebRTC declares the connection lost, not after the send buffer's one-minute drain limit.
        assertEquals(1, sender.awaitExit(Duration.ofSeconds(45)), sender.transcript());
        assertTrue(sender.stderr().contains("offerer: the connection to the answerer was lost"), sender.transcript());
        assertTrue(Pattern.compile("(?m)^offerer: vanishing\\.bin: the connection ended after .+ of 4\\.0 GiB \\(\\d+%\\) had been sent$")
                .matcher(sender.stderr()).find(), sender.transcript());
    }

    @Test
    void helpErrorsAndTheWaitingIndicatorSpeakAsPeopleDo() throws Exception {
        ProgramProcess help = ProgramProcess.start("answerer", "--help");
        started.add(help);
        assertEquals(0, help.awaitExit(RUN_LIMIT), help.transcript());
        String usage = String.join(" ", help.stdoutLines()).replaceAll("\\s+", " ");
        assertTrue(usage.contains("each line typed goes to every open session"), usage);
        assertTrue(usage.contains("Ctrl-D (end of input) ends our side of every open and later session"), usage);
        assertTrue(usage.contains("Stop with Ctrl-C or SIGTERM"), usage);
        assertTrue(usage.contains("with 1% of it (at most 1 GiB) left free") && usage.contains("(default: 10m)"), usage);
        assertFalse(help.transcript().contains("WARN"), "every description formats\n" + help.transcript());

        ProgramProcess zero = ProgramProcess.start("offerer", "--poll-interval", "0");
        started.add(zero);
        assertEquals(2, zero.awaitExit(RUN_LIMIT), zero.transcript());
        assertTrue(zero.stderr().contains("--poll-interval must be longer than 0s, got 0s"), zero.transcript());
        assertFalse(zero.stderr().contains("PT0S"), zero.transcript());

        ProgramProcess foreign = ProgramProcess.start("dht-server", "--port", "0", "--bind", "203.0.113.254");
        started.add(foreign);
        assertEquals(1, foreign.awaitExit(RUN_LIMIT), foreign.transcript());
        assertTrue(foreign.stderr().contains("203.0.113.254 is not an address of this machine"), foreign.transcript());

        ProgramProcess waiting = ProgramProcess.startOnTerminal("answerer", "--dht", dht, "--offer-key", "nobody-offer",
                "--answer-key", "nobody-answer", "--timeout", "3s");
        started.add(waiting);
        assertEquals(1, waiting.awaitExit(RUN_LIMIT), waiting.transcript());
        assertTrue(waiting.stdoutLines().stream().anyMatch(l -> l.startsWith("answerer: waiting for an offer: 1s of 3s")),
                waiting.transcript());
    }

    @Test
    void aLineOver1MiBClosesThatSessionOnlyAndTheServerWithASmallHeapKeepsServing() throws Exception {
        // With -Xmx96m a 150 MB line used to end the whole server with an OutOfMemoryError.
        ProgramProcess serving = peer(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-Xmx96m"), "answerer", "longline", "--serve");
        serving.awaitLine("Waiting for Offer SDP in DHT...", RUN_LIMIT);
        ProgramProcess honest = peer("offerer", "longline");
        honest.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        ProgramProcess attacker = peer("offerer", "longline");
        attacker.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        try (OutputStream in = attacker.stdin()) {
            byte[] block = "x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 150; i++) {
                in.write(block);
            }
            in.write('\n');
        }
        assertEquals(1, attacker.awaitExit(RUN_LIMIT), attacker.transcript());
        assertTrue(attacker.stderr().contains("offerer: the answerer closed the connection: you sent a line over 1 MiB"),
                attacker.transcript());
        serving.awaitStderr("the session closed", RUN_LIMIT, "closed: the offerer sent a line over 1 MiB");
        assertTrue(Pattern.compile("(?m)^answerer: \\[session [0-9a-f]{8}] closed: the offerer sent a line over 1 MiB$")
                .matcher(serving.stderr()).find(), serving.transcript());

        // The other session goes on, and a new offerer is answered.
        OutputStream in = honest.stdin();
        in.write("still here\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        serving.awaitLine("the honest offerer's line", RUN_LIMIT, l -> l.endsWith("Received message on 'chat': still here"));
        ProgramProcess late = peer("offerer", "longline", "--once");
        assertEquals(0, late.awaitExit(RUN_LIMIT), late.transcript());
        assertTrue(serving.isAlive(), serving.transcript());
        assertFalse(serving.stderr().contains("OutOfMemoryError"), serving.transcript());
        assertFalse(serving.stdoutLines().stream().anyMatch(l -> l.contains("xxxxxxxx")), "the long line was never printed");
    }

    @Test
    void silentOfferersCannotKeepANewOneOutAndAreClosedWhenIdleWithTheReasonOnBothSides() throws Exception {
        // All come from this machine's one address: its share must fit them all here.
        ProgramProcess serving = peer("answerer", "silent", "--serve", "--max-peers", "2", "--max-peers-per-address", "2",
                "--make-room-after", "3s", "--idle-timeout", "20s");
        serving.awaitLine("Waiting for Offer SDP in DHT...", RUN_LIMIT);
        ProgramProcess first = peer("offerer", "silent");
        first.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        ProgramProcess second = peer("offerer", "silent");
        second.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        // Both seats are taken by offerers that say nothing. A third gets in all the same, in the seat of the
        // one idle longest, once that has been idle for --make-room-after.
        ProgramProcess newcomer = peer("offerer", "silent", "--once");
        assertEquals(0, newcomer.awaitExit(RUN_LIMIT), newcomer.transcript() + serving.transcript());
        // One of the two gave way (the one idle longest; both said nothing, so either may be it).
        Pattern room = Pattern.compile("(?m)^offerer: the answerer closed the connection: the answerer needed room for a new "
                + "offerer, and this session was idle longest \\(\\d+s\\)$");
        Pattern idle = Pattern.compile("(?m)^offerer: the answerer closed the connection: no message either way for 20s "
                + "\\(the answerer's --idle-timeout\\)$");
        assertEquals(1, first.awaitExit(RUN_LIMIT), first.transcript());
        assertEquals(1, second.awaitExit(RUN_LIMIT), second.transcript());
        String both = first.transcript() + second.transcript() + serving.transcript();
        boolean firstGaveWay = room.matcher(first.stderr()).find();
        assertTrue(firstGaveWay || room.matcher(second.stderr()).find(), both);
        assertTrue(serving.stderr().contains("closed: to make room for a new offerer"), both);
        assertFalse(serving.stderr().contains("--max-peers-per-address"), both);
        // The other said nothing either: after --idle-timeout it was closed, and both sides say why.
        assertTrue(idle.matcher((firstGaveWay ? second : first).stderr()).find(), both);
        assertTrue(Pattern.compile("(?m)^answerer: \\[session [0-9a-f]{8}] closed: no message either way for 20s "
                + "\\(--idle-timeout\\)$").matcher(serving.stderr()).find(), serving.transcript());
        assertTrue(serving.isAlive());
    }

    @Test
    void textFromTheOtherPeerIsPrintedWithItsControlsReplaced() throws Exception {
        ProgramProcess answerer = peer("answerer", "escapes");
        answerer.closeStdin();
        String greeting = "Hi\u001b]0;retitled\u0007 \u202Eevil";
        ProgramProcess offerer = peer("offerer", "escapes", "--message", greeting);
        try (OutputStream in = offerer.stdin()) {
            in.write(("\u001b[1A\u001b[2KReceived file 'payroll.xlsx' (48213 bytes, SHA-256 verified)\n"
                    + "\u001b]52;c;cm0gLXJmIH4=\u0007clipboard\n" + "invoice\u202Efdp.exe\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        String r = "\uFFFD";
        List<String> out = answerer.stdoutLines();
        assertTrue(out.contains("Received message on 'chat': Hi" + r + "]0;retitled" + r + " " + r + "evil"), answerer.transcript());
        assertTrue(out.contains("Received message on 'chat': " + r + "[1A" + r
                + "[2KReceived file 'payroll.xlsx' (48213 bytes, SHA-256 verified)"), answerer.transcript());
        assertTrue(out.contains("Received message on 'chat': " + r + "]52;c;cm0gLXJmIH4=" + r + "clipboard"), answerer.transcript());
        assertTrue(out.contains("Received message on 'chat': invoice" + r + "fdp.exe"), answerer.transcript());
        String all = String.join("\n", out);
        assertTrue(all.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x202E), all);
    }

    @Test
    void aFileLargerThanTheFreeSpaceIsRefusedNamingTheFreeSpace() throws Exception {
        Path huge = temp.resolve("huge.bin");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 40);  // 1 TiB, sparse: it costs nothing to make and is announced at its full size
        }
        Path inbox = Files.createDirectory(temp.resolve("space"));
        long free = Files.getFileStore(inbox).getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(free < (1L << 40), "this disk has 1 TiB free");
        ProgramProcess receiver = peer("answerer", "space", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "space", "--send", huge.toString());
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        assertTrue(Pattern.compile("(?m)^offerer: huge\\.bin: the receiver refused it: it is 1\\.0 TiB and only [0-9.]+ [KMGT]iB "
                + "are free on the receiving disk \\([0-9.]+ [KMGT]?i?B of it is kept free\\)$").matcher(sender.stderr()).find(),
                sender.transcript());
        assertTrue(receiver.stdoutLines().stream().anyMatch(l -> l.startsWith("Refused file 'huge.bin': it is 1.0 TiB and only ")),
                receiver.transcript());
        try (Stream<Path> left = Files.list(inbox)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void namesThatLieAreReceivedAsWhatTheyAreAndOffersPastMaxFilesAreRefused() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("names"));
        List<String> sent = new ArrayList<>();
        for (String name : List.of("invoice\u202Efdp.exe", "etc\u2215passwd", "é".repeat(123) + ".pdf")) {
            Files.writeString(outbox.resolve(name), name);
            sent.add(outbox.resolve(name).toString());
        }
        for (int i = 1; i <= 40; i++) {
            Files.writeString(outbox.resolve("tiny" + i + ".txt"), "tiny " + i);
            sent.add(outbox.resolve("tiny" + i + ".txt").toString());
        }
        Path inbox = Files.createDirectory(temp.resolve("kept"));
        ProgramProcess receiver = peer("answerer", "names", "--receive", inbox.toString(), "--max-files", "23");
        List<String> senderArgs = new ArrayList<>(List.of("--send"));
        senderArgs.addAll(sent);
        ProgramProcess sender = peer("offerer", "names", senderArgs.toArray(String[]::new));
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        String shortened = "é".repeat(115) + ".pdf";  // 250 bytes did not leave room for ".NAME.part-..."; 234 do
        assertEquals("invoice\u202Efdp.exe", Files.readString(inbox.resolve("invoicefdp.exe")));
        assertEquals("etc\u2215passwd", Files.readString(inbox.resolve("etc_passwd")));
        assertEquals("é".repeat(123) + ".pdf", Files.readString(inbox.resolve(shortened)));
        try (Stream<Path> left = Files.list(inbox)) {
            assertEquals(23, left.count(), "the first 23 offers, no more, and no temporary parts");
        }
        assertTrue(sender.stderr().contains("offerer: tiny21.txt: the receiver refused it: this receiver takes at most 23 files "
                + "per connection (--max-files)"), sender.transcript());
        assertTrue(receiver.stdoutLines().contains("Refused file 'tiny21.txt': this receiver takes at most 23 files per "
                + "connection (--max-files); further offers are refused without a line each"), receiver.transcript());
        assertEquals(0, receiver.stdoutLines().stream().filter(l -> l.startsWith("Refused file 'tiny22.txt'")).count());
        assertTrue(receiver.stdoutLines().stream().noneMatch(l -> l.contains("\u202E")), receiver.transcript());
    }

    @Test
    void aSenderThatStopsSendingHasItsFileDroppedAfterTheStallTimeout() throws Exception {
        Path big = temp.resolve("stalled.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4L * 1024 * 1024 * 1024);
        }
        Path inbox = Files.createDirectory(temp.resolve("stall"));
        ProgramProcess receiver = peer("answerer", "stall", "--receive", inbox.toString(), "--stall-timeout", "3s");
        ProgramProcess sender = peer("offerer", "stall", "--send", big.toString());
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!partArrived(inbox, "stalled.bin")) {
            assertTrue(System.nanoTime() < deadline, "no part of the file arrived\n" + receiver.transcript() + sender.transcript());
            Thread.sleep(20);
        }
        sender.stop();  // SIGSTOP: the connection stays up (for a while) and nothing more comes
        try {
            receiver.awaitLine("the file dropped", RUN_LIMIT, l -> l.startsWith("File 'stalled.bin' not kept: nothing of it "
                    + "arrived for 3 s (the receiver's --stall-timeout) after "));
            try (Stream<Path> left = Files.list(inbox)) {
                assertEquals(List.of(), left.toList(), "the temporary part is deleted");
            }
        } finally {
            sender.resume();
        }
    }

    private static boolean partArrived(Path dir) throws IOException {
        return partArrived(dir, "big.bin");
    }

    /** Whether the temporary part of {@code name} has some bytes in {@code dir}. */
    private static boolean partArrived(Path dir, String name) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> {
                try {
                    return p.getFileName().toString().startsWith("." + name + ".part-") && Files.size(p) > 0;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static void assertNoNativeNoise(ProgramProcess p) {
        String all = p.transcript();
        assertFalse(all.contains("attach"), "webrtc-java's native lines reached the terminal\n" + all);
    }
}
