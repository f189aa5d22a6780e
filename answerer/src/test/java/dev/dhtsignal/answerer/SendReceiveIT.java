package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.testing.TerminalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Sending and receiving as people do it (issue 21): consent on a terminal, no flag needed to receive, a
 * side whose work is done leaving, directories, resume, a text alone. Real processes, one dht-server;
 * receivers that a person would watch run on a pseudo-terminal of 80 columns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SendReceiveIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");

    private ProgramProcess server;
    private String dht;
    private final List<AutoCloseable> started = new ArrayList<>();
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
    void stopPeers() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
        started.clear();
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    private List<String> keys(String pair, String... args) {
        List<String> all = new ArrayList<>(List.of("--dht", dht, "--offer-key", pair + "-offer", "--answer-key", pair + "-answer"));
        all.addAll(List.of(args));
        return all;
    }

    private ProgramProcess peer(String program, String pair, String... args) throws IOException {
        ProgramProcess p = ProgramProcess.start(program, keys(pair, args).toArray(String[]::new));
        started.add(p);
        return p;
    }

    /** A peer on an 80-column terminal, started in {@code directory}. */
    private TerminalProcess onTerminal(String program, Path directory, String pair, String... args) throws IOException {
        TerminalProcess p = TerminalProcess.start(80, 24, program, directory, keys(pair, args));
        started.add(p);
        return p;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aPersonAsksIsAskedAndReceivesWithoutAFlagAndBothSidesExitWhenTheWorkIsDone() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("consent-out"));
        Path here = Files.createDirectory(temp.resolve("consent-in"));
        byte[] content = random(3 * 1024 * 1024 + 5, 1);
        Files.write(outbox.resolve("holiday.tar"), content);
        // The receiver as a person runs it: no option but the meeting place, on a terminal; its input stays open.
        TerminalProcess receiver = onTerminal("answerer", here, "consent");
        ProgramProcess sender = peer("offerer", "consent", "--send", outbox.resolve("holiday.tar").toString());
        receiver.await("the question", RUN_LIMIT, "Receive holiday.tar (3.0 MiB) from the offerer into ./? [y/N] ");
        receiver.type("y\n");
        assertEquals(0, sender.awaitExit(RUN_LIMIT), sender.transcript() + TerminalProcess.visible(receiver.raw()));
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), TerminalProcess.visible(receiver.raw()));
        assertArrayEquals(content, Files.readAllBytes(here.resolve("holiday.tar")));
        assertTrue(sender.stderr().contains("offerer: done: everything was delivered; closing the connection"),
                sender.transcript());
        assertTrue(receiver.raw().contains("answerer: the offerer is done and left"), TerminalProcess.visible(receiver.raw()));
        // The sender never chatted: no "closed the chat ... end yours with Ctrl-D" before it.
        assertFalse(receiver.raw().contains("closed the chat"), TerminalProcess.visible(receiver.raw()));
        // One line per outcome on each side.
        assertEquals(1, sender.stdoutLines().stream().filter(l -> l.contains("holiday.tar")).count(), sender.transcript());
        assertTrue(sender.stdoutLines().stream().anyMatch(l -> l.startsWith("Sent file 'holiday.tar' (" + content.length
                + " bytes, SHA-256 verified by the receiver): 3.0 MiB in ")), sender.transcript());
        assertTrue(receiver.raw().contains("Received file 'holiday.tar' (" + content.length + " bytes, SHA-256 verified) as "),
                TerminalProcess.visible(receiver.raw()));
    }

    @Test
    void aPersonWhoAnswersNoKeepsNothingAndTheSenderSaysSoAndExits() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("no-out"));
        Path here = Files.createDirectory(temp.resolve("no-in"));
        Files.writeString(outbox.resolve("a.txt"), "a");
        Files.writeString(outbox.resolve("b.txt"), "b");
        TerminalProcess receiver = onTerminal("answerer", here, "declined");
        ProgramProcess sender = peer("offerer", "declined", "--send", outbox.resolve("a.txt").toString(),
                outbox.resolve("b.txt").toString());
        receiver.await("the question", RUN_LIMIT, "Receive a.txt, b.txt (2 files, 2 B) from the offerer into ./? [y/N] ");
        receiver.type("\n");  // Enter alone: the default, no
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertTrue(sender.stderr().contains("offerer: the receiver declined the offer: the answerer declined it"),
                sender.transcript());
        assertFalse(sender.stderr().contains("b.txt"), "one line for the declined offer, none per file\n" + sender.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), TerminalProcess.visible(receiver.raw()));
        try (Stream<Path> left = Files.list(here)) {
            assertEquals(List.of(), left.toList());
        }
    }

    /** Ctrl-C at the question ends its line: the shell's prompt does not land after "[y/N] ^C". */
    @Test
    void ctrlCAtTheQuestionEndsItsLineAndBothSidesExit() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("ctrl-c-out"));
        Path here = Files.createDirectory(temp.resolve("ctrl-c-in"));
        Files.writeString(outbox.resolve("a.txt"), "a");
        TerminalProcess receiver = onTerminal("answerer", here, "ctrl-c-question");
        ProgramProcess sender = peer("offerer", "ctrl-c-question", "--send", outbox.resolve("a.txt").toString());
        receiver.await("the question", RUN_LIMIT, "from the offerer into ./? [y/N] ");
        receiver.ctrlC();
        assertEquals(130, receiver.awaitExit(RUN_LIMIT), TerminalProcess.visible(receiver.raw()));
        String raw = receiver.raw();
        assertTrue(raw.endsWith("\n"), "the last line drawn is not ended\n" + TerminalProcess.visible(raw));
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        try (Stream<Path> left = Files.list(here)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void withoutATerminalOffersAreRefusedSayingHowAndYesTakesThem() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("pipe-out"));
        Path inbox = Files.createDirectory(temp.resolve("pipe-in"));
        Files.writeString(outbox.resolve("notes.txt"), "notes\n");
        ProgramProcess piped = peer("answerer", "piped");  // standard input a pipe, left open, no --yes
        ProgramProcess sender = peer("offerer", "piped", "--send", outbox.resolve("notes.txt").toString());
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript() + piped.transcript());
        assertTrue(sender.stderr().contains("offerer: the receiver declined the offer: the answerer has no terminal to ask "
                + "on (its standard input is not one); it takes files unasked with --yes or --receive DIR"), sender.transcript());
        assertEquals(0, piped.awaitExit(RUN_LIMIT), piped.transcript());
        assertTrue(piped.stdoutLines().contains("Refused notes.txt (6 B): the answerer has no terminal to ask on (its "
                + "standard input is not one); it takes files unasked with --yes or --receive DIR"), piped.transcript());

        ProgramProcess yes = ProgramProcess.startWrapped(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", inbox.toString()),
                "answerer", java.util.Map.of(), keys("yes", "--yes").toArray(String[]::new));
        started.add(yes);
        ProgramProcess again = peer("offerer", "yes", "--send", outbox.resolve("notes.txt").toString());
        assertEquals(0, again.awaitExit(RUN_LIMIT), again.transcript() + yes.transcript());
        assertEquals(0, yes.awaitExit(RUN_LIMIT), yes.transcript());
        assertEquals("notes\n", Files.readString(inbox.resolve("notes.txt")));
    }

    @Test
    void twoReceiversSayThatNothingCameInsteadOfExitingSilently() throws Exception {
        Path a = Files.createDirectory(temp.resolve("both-a"));
        Path b = Files.createDirectory(temp.resolve("both-b"));
        ProgramProcess answerer = peer("answerer", "both", "--receive", a.toString());
        ProgramProcess offerer = peer("offerer", "both", "--receive", b.toString());
        assertEquals(1, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(offerer.stderr().contains("offerer: the answerer sent no file; it sends with --send FILE"),
                offerer.transcript());
        assertTrue(answerer.stderr().contains("answerer: the offerer sent no file; it sends with --send FILE"),
                answerer.transcript());
    }

    @Test
    void anAnswererWithOnceLeavesAnInteractiveOffererRightAfterTheGreetings() throws Exception {
        ProgramProcess offerer = peer("offerer", "once");  // its input stays open: a person who types nothing yet
        ProgramProcess answerer = peer("answerer", "once", "--once");
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript() + offerer.transcript());
        assertTrue(answerer.stderr().contains("answerer: done: greetings exchanged (--once); closing the connection"),
                answerer.transcript());
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertTrue(offerer.stderr().contains("offerer: the answerer left"), offerer.transcript());
    }

    @Test
    void aTextGoesAloneAndIsPrintedByItselfWithNoChat() throws Exception {
        ProgramProcess receiver = peer("answerer", "text");  // input open: it does not wait for it
        ProgramProcess sender = peer("offerer", "text", "--text", "the wifi password is hunter2");
        assertEquals(0, sender.awaitExit(RUN_LIMIT), sender.transcript() + receiver.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        assertTrue(receiver.stdoutLines().contains("the wifi password is hunter2"), receiver.transcript());
        assertFalse(receiver.stdoutLines().stream().anyMatch(l -> l.startsWith("Received message on 'chat': the wifi")),
                receiver.transcript());
        assertTrue(sender.stderr().contains("offerer: done: the text was delivered; closing the connection"),
                sender.transcript());
    }

    @Test
    void aDirectoryArrivesWithItsTreeOneLineForItAndNoLinkFollowedOutOfIt() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("tree-out"));
        Path photos = Files.createDirectories(outbox.resolve("photos/2024/summer"));
        Path secret = Files.writeString(temp.resolve("secret.txt"), "not for sending");
        byte[] beach = random(700_000, 2);
        Files.write(photos.resolve("beach.jpg"), beach);
        Files.writeString(outbox.resolve("photos/index.txt"), "index");
        Files.writeString(outbox.resolve("photos/2024/notes.md"), "notes");
        Files.createSymbolicLink(outbox.resolve("photos/escape.txt"), secret);
        Files.createSymbolicLink(outbox.resolve("photos/again.txt"), outbox.resolve("photos/index.txt"));
        Path inbox = Files.createDirectory(temp.resolve("tree-in"));
        ProgramProcess receiver = peer("answerer", "tree", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "tree", "--send", outbox.resolve("photos").toString());
        assertEquals(0, sender.awaitExit(RUN_LIMIT), sender.transcript() + receiver.transcript());
        assertEquals(0, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        assertArrayEquals(beach, Files.readAllBytes(inbox.resolve("photos/2024/summer/beach.jpg")));
        assertEquals("index", Files.readString(inbox.resolve("photos/index.txt")));
        assertEquals("index", Files.readString(inbox.resolve("photos/again.txt")), "a link inside the tree is sent");
        assertEquals("notes", Files.readString(inbox.resolve("photos/2024/notes.md")));
        assertFalse(Files.exists(inbox.resolve("photos/escape.txt")), "a link out of the tree is not followed");
        assertTrue(sender.stderr().contains("offerer: --send: " + outbox.resolve("photos/escape.txt") + ": a link out of "),
                sender.transcript());
        assertEquals(List.of("Sent directory 'photos' (4 files, " + (beach.length + 15) + " bytes, every SHA-256 verified "
                + "by the receiver)"), sender.stdoutLines().stream().filter(l -> l.startsWith("Sent"))
                .map(l -> l.substring(0, l.indexOf(':'))).toList(), sender.transcript());
        assertEquals(1, receiver.stdoutLines().stream().filter(l -> l.startsWith("Received directory 'photos' (4 files, "))
                .count(), receiver.transcript());

        ProgramProcess missing = ProgramProcess.start("offerer", "--send", temp.resolve("nonexistent.txt").toString());
        started.add(missing);
        assertEquals(2, missing.awaitExit(RUN_LIMIT), missing.transcript());
        assertTrue(missing.stderr().contains("--send: " + temp.resolve("nonexistent.txt") + ": no such file or directory"),
                missing.transcript());
    }

    @Test
    void anInterruptedFileGoesOnFromWhereItStoppedWhenSentAgainAndItsHashCoversTheWhole() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("resume-out"));
        byte[] content = random(48 * 1024 * 1024, 5);
        Files.write(outbox.resolve("big.bin"), content);
        Path inbox = Files.createDirectory(temp.resolve("resume-in"));
        ProgramProcess receiver = peer("answerer", "resume1", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "resume1", "--send", outbox.resolve("big.bin").toString());
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (partSize(inbox) < 4 * 1024 * 1024) {
            assertTrue(System.nanoTime() < deadline, "no part arrived\n" + sender.transcript() + receiver.transcript());
            assertTrue(sender.isAlive(), "the transfer ended before it could be cut\n" + sender.transcript());
            Thread.sleep(20);
        }
        sender.terminate();
        assertEquals(143, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertEquals(1, receiver.awaitExit(RUN_LIMIT), receiver.transcript());
        assertTrue(receiver.stdoutLines().stream().anyMatch(l -> l.startsWith("File 'big.bin' not kept: the offerer left after ")
                && l.endsWith("what arrived is kept, and the transfer goes on from there when the same file is sent here again")),
                receiver.transcript());
        long kept = partSize(inbox);
        assertTrue(kept > 0 && kept < content.length, "kept " + kept);
        assertFalse(Files.exists(inbox.resolve("big.bin")));

        ProgramProcess receiver2 = peer("answerer", "resume2", "--receive", inbox.toString());
        ProgramProcess sender2 = peer("offerer", "resume2", "--send", outbox.resolve("big.bin").toString());
        assertEquals(0, sender2.awaitExit(RUN_LIMIT), sender2.transcript() + receiver2.transcript());
        assertEquals(0, receiver2.awaitExit(RUN_LIMIT), receiver2.transcript());
        assertArrayEquals(content, Files.readAllBytes(inbox.resolve("big.bin")));
        assertTrue(receiver2.stdoutLines().stream().anyMatch(l -> l.startsWith("Received file 'big.bin' (" + content.length
                + " bytes, SHA-256 verified, resumed at ")), receiver2.transcript());
        assertTrue(sender2.stdoutLines().stream().anyMatch(l -> l.startsWith("Sent file 'big.bin' (" + content.length
                + " bytes, SHA-256 verified by the receiver, resumed at ")), sender2.transcript());
        try (Stream<Path> left = Files.list(inbox)) {
            assertEquals(List.of("big.bin"), left.map(p -> p.getFileName().toString()).toList(), "the part is gone");
        }
    }

    @Test
    void theBarFitsAnEightyColumnTerminalIsRedrawnToANewWidthAndCtrlCKeepsThePart() throws Exception {
        Path outbox = Files.createDirectory(temp.resolve("bar-out"));
        String name = "a-long-name-for-the-summer-holiday-photos-archive-of-2024.tar";
        byte[] content = random(64 * 1024 * 1024, 6);
        Files.write(outbox.resolve(name), content);
        Path inbox = Files.createDirectory(temp.resolve("bar-in"));
        TerminalProcess receiver = onTerminal("answerer", inbox, "bar", "--receive", inbox.toString());
        ProgramProcess sender = peer("offerer", "bar", "--send", outbox.resolve(name).toString());
        receiver.await("the bar", RUN_LIMIT, " MB/s ");
        int wide = receiver.mark();
        receiver.awaitFrom(wide, "a few redraws", RUN_LIMIT, "left");
        receiver.resize(50, 24);
        int narrow = receiver.mark();
        receiver.awaitFrom(narrow, "a redraw at the new width", RUN_LIMIT, "%");
        String before = receiver.raw().substring(0, narrow);
        for (String s : TerminalProcess.segments(before).stream().filter(s -> s.contains("% ")).toList()) {
            assertTrue(s.length() <= 79, "drawn wider than 79 columns: " + s + "\n" + TerminalProcess.visible(before));
        }
        // A redrawn bar stays on its row: every redraw starts with a carriage return, not a new line.
        long rows = before.chars().filter(c -> c == '\n').count();
        assertTrue(rows < 20, rows + " lines while transferring\n" + TerminalProcess.visible(before));
        // The program learns the new width from SIGWINCH, which can arrive just after a redraw at the old width
        // has gone out: wait for a redraw that fits, and from then on every redraw must fit.
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (TerminalProcess.segments(receiver.raw().substring(narrow)).stream()
                .noneMatch(s -> s.contains("%") && s.length() <= 49)) {
            assertTrue(System.nanoTime() < deadline, "no redraw at the new width\n"
                    + TerminalProcess.visible(receiver.raw().substring(narrow)));
            int next = receiver.mark();
            receiver.awaitFrom(next, "a redraw after the resize", RUN_LIMIT, "%");
        }
        int later = receiver.mark();
        receiver.awaitFrom(later, "another redraw at the new width", RUN_LIMIT, "%");
        String after = receiver.raw().substring(later);
        List<String> redrawn = TerminalProcess.segments(after).stream().filter(s -> s.contains("%")).toList();
        assertFalse(redrawn.isEmpty(), TerminalProcess.visible(after));
        for (String s : redrawn) {
            assertTrue(s.length() <= 49, "drawn wider than the 49 columns left: " + s);
        }
        receiver.ctrlC();
        assertEquals(130, receiver.awaitExit(RUN_LIMIT), TerminalProcess.visible(receiver.raw()));
        assertTrue(receiver.raw().contains("what arrived is kept"), TerminalProcess.visible(receiver.raw()));
        assertEquals(1, sender.awaitExit(RUN_LIMIT), sender.transcript());
        assertTrue(partSize(inbox) > 0);
    }

    @Test
    void aCodeShownOnATerminalWaitsPastTheMinuteUntilSomeoneUsesIt() throws Exception {
        // A short code (a key exchange, round after round) and a long one (an offer, round after round), at once.
        TerminalProcess shortCode = onTerminal("offerer", temp, "unused", "--session");
        TerminalProcess longCode = onTerminal("offerer", temp, "unused-long", "--session", "--long-code");
        String code = shownCode(shortCode, "\\d+-[a-z]+-[a-z]+");
        String reusable = shownCode(longCode, "[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
        // Past the 60 s that used to end them (and their codes): still waiting, and saying so.
        for (TerminalProcess offerer : List.of(shortCode, longCode)) {
            offerer.await("the indicator past a minute", Duration.ofSeconds(150), "waiting for the answerer until Ctrl-C: 1m");
        }
        ProgramProcess answerer = peer("answerer", "unused", "--session", code, "--once");
        ProgramProcess longAnswerer = peer("answerer", "unused-long", "--session", reusable, "--once");
        for (ProgramProcess a : List.of(answerer, longAnswerer)) {
            assertEquals(0, a.awaitExit(RUN_LIMIT), a.transcript() + TerminalProcess.visible(shortCode.raw())
                    + TerminalProcess.visible(longCode.raw()));
        }
        for (TerminalProcess offerer : List.of(shortCode, longCode)) {
            assertEquals(0, offerer.awaitExit(RUN_LIMIT), TerminalProcess.visible(offerer.raw()));
            assertTrue(offerer.raw().contains("Received message from Peer B: Hello from Peer B!"),
                    TerminalProcess.visible(offerer.raw()));
            // A fresh offer each round, the transcript's lines once.
            assertEquals(1, offerer.raw().split("Waiting for Answer SDP in DHT\\.\\.\\.", -1).length - 1,
                    TerminalProcess.visible(offerer.raw()));
        }
    }

    private static String shownCode(TerminalProcess offerer, String form) {
        offerer.await("the code", RUN_LIMIT, "Session code: ");
        Matcher code = Pattern.compile("Session code: (" + form + ")").matcher(offerer.raw());
        if (!code.find()) {
            offerer.await("the whole code", RUN_LIMIT, "On the answering side run");
            code = Pattern.compile("Session code: (" + form + ")").matcher(offerer.raw());
            assertTrue(code.find(), TerminalProcess.visible(offerer.raw()));
        }
        return code.group(1);
    }

    @Test
    void aWaitThatRunsOutNamesTheTimeoutGivenNotWhatWasLeftOfIt() throws Exception {
        ProgramProcess answerer = peer("answerer", "nobody", "--timeout", "1s");
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains(" within 1 s"), answerer.transcript());
        assertFalse(answerer.stderr().contains(" ms"), answerer.transcript());
    }

    @Test
    void aBootstrapAddressThatDoesNotAnswerIsNamedAsOne() throws Exception {
        ProgramProcess alone = ProgramProcess.start("answerer", "--network", "mainline", "--bootstrap", "127.0.0.1:9",
                "--session", "K7QX-M2PD-9RTA", "--timeout", "3s");
        started.add(alone);
        assertEquals(1, alone.awaitExit(RUN_LIMIT), alone.transcript());
        assertTrue(alone.stderr().contains("answerer: no answer from the bootstrap address 127.0.0.1:9 of the Mainline DHT\n"),
                alone.transcript());
    }

    @Test
    void aMistypedOptionGetsTheNearestOneAndAFileNamedAloneGetsSend() throws Exception {
        Path file = Files.writeString(temp.resolve("a.txt"), "a");
        ProgramProcess alone = ProgramProcess.start("offerer", file.toString());
        started.add(alone);
        assertEquals(2, alone.awaitExit(RUN_LIMIT), alone.transcript());
        assertTrue(alone.stderr().startsWith("offerer: Unmatched argument at index 0: '" + file + "' (to send it: --send "
                + file + ")\n"), alone.transcript());
        ProgramProcess typo = ProgramProcess.start("offerer", "--sesion");
        started.add(typo);
        assertEquals(2, typo.awaitExit(RUN_LIMIT), typo.transcript());
        assertTrue(typo.stderr().startsWith("offerer: Unknown option: '--sesion' (did you mean --session?)\n"),
                typo.transcript());
    }

    @Test
    void aWarningIsAMessageOfItsOwnNeverALogLineGluedToTheIndicator() throws Exception {
        // A STUN server that never answers: ICE gathering gives up on it after 1 s, with a warning, while the
        // indicator counts.
        TerminalProcess offerer = onTerminal("offerer", temp, "warned", "--ice-server", "stun:127.0.0.1:9", "--timeout", "30s");
        offerer.await("the warning", RUN_LIMIT, "did not answer within");
        offerer.await("the indicator", RUN_LIMIT, "offerer: waiting for the answerer: ");
        offerer.ctrlC();
        assertEquals(130, offerer.awaitExit(RUN_LIMIT), TerminalProcess.visible(offerer.raw()));
        List<String> warning = TerminalProcess.segments(offerer.raw()).stream().filter(l -> l.contains("STUN server")).toList();
        assertEquals(List.of("offerer: warning: rtc-1-peer-1: STUN server stun:127.0.0.1:9 did not answer within 1000 ms; "
                + "going on without its candidates"), warning, TerminalProcess.visible(offerer.raw()));
        assertFalse(Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ").matcher(offerer.raw()).find(),
                TerminalProcess.visible(offerer.raw()));
        // The DHT node this class runs speaks the same way: no timestamped log lines, "dht-server: " before each.
        for (String line : server.stderr().lines().toList()) {
            assertTrue(line.startsWith("dht-server: "), server.stderr());
        }
    }

    private static long partSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".part-")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }
}
