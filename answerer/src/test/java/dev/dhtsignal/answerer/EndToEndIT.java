package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.testing.Transcripts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The three programs as real processes, as a user runs them. */
class EndToEndIT {
    static final List<String> OFFERER_LINES = Transcripts.OFFERER;
    static final List<String> ANSWERER_LINES = Transcripts.ANSWERER;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");

    private ProgramProcess server;
    private String dht;
    private final List<ProgramProcess> started = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1");
        Matcher m = READY.matcher(server.awaitLine("the ready line", Duration.ofSeconds(30), l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        dht = "127.0.0.1:" + m.group(1);
    }

    @AfterEach
    void stopAll() {
        started.forEach(ProgramProcess::close);
        server.close();
    }

    private ProgramProcess start(String program, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--dht", dht));
        all.addAll(List.of(args));
        ProgramProcess p = ProgramProcess.start(program, all.toArray(String[]::new));
        started.add(p);
        return p;
    }

    @Test
    void theThreeProgramsTalkAndASecondRoundOnTheSameServerAndKeysWorksToo() throws Exception {
        for (int round = 1; round <= 2; round++) {
            ProgramProcess answerer = start("answerer");
            ProgramProcess offerer = start("offerer");
            answerer.closeStdin();
            offerer.closeStdin();
            assertEquals(0, offerer.awaitExit(RUN_LIMIT), "offerer, round " + round + "\n" + offerer.transcript());
            assertEquals(0, answerer.awaitExit(RUN_LIMIT), "answerer, round " + round + "\n" + answerer.transcript());
            assertEquals(OFFERER_LINES, offerer.stdoutLines(), "round " + round);
            assertEquals(ANSWERER_LINES, answerer.stdoutLines(), "round " + round);
            assertTrue(offerer.stderr().contains("readable by anyone on the DHT"), offerer.transcript());
        }
    }

    @Test
    void linesTypedOnOneSideArePrintedOnTheOtherAndTheEndOfInputIsAHalfClose() throws Exception {
        ProgramProcess answerer = start("answerer");
        ProgramProcess offerer = start("offerer");
        offerer.awaitLine("Received message from Peer B: Hello from Peer B!", RUN_LIMIT);
        answerer.awaitLine("Data channel 'chat' is open", RUN_LIMIT);
        offerer.stdin().write("how are you?\n".getBytes(StandardCharsets.UTF_8));
        offerer.stdin().flush();
        answerer.awaitLine("Received message on 'chat': how are you?", RUN_LIMIT);
        offerer.closeStdin();  // the offerer has nothing more to say, and goes on listening
        answerer.awaitStderr("the notice that the offerer closed the chat", RUN_LIMIT,
                "answerer: the offerer closed the chat (it sends nothing more); end yours with Ctrl-D");
        answerer.stdin().write("fine, thanks ✓\n".getBytes(StandardCharsets.UTF_8));
        answerer.stdin().flush();
        offerer.awaitLine("Received message from Peer B: fine, thanks ✓", RUN_LIMIT);
        assertTrue(offerer.isAlive(), "the offerer waits for the answerer to finish too");
        answerer.closeStdin();
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
    }

    @Test
    void eachWaitEndsWithItsMessageAndExitCodeOne() throws Exception {
        ProgramProcess lonelyOfferer = start("offerer", "--timeout", "3s");
        assertEquals(1, lonelyOfferer.awaitExit(Duration.ofSeconds(30)), lonelyOfferer.transcript());
        assertTrue(lonelyOfferer.stderr().contains("no answer appeared under key 'webrtc-answer' on the DHT at " + dht
                + " within 3 s"), lonelyOfferer.transcript());

        ProgramProcess lonelyAnswerer = start("answerer", "--timeout", "3s");
        assertEquals(1, lonelyAnswerer.awaitExit(Duration.ofSeconds(30)), lonelyAnswerer.transcript());
        assertTrue(lonelyAnswerer.stderr().contains("no offer appeared under keys 'webrtc-offer' .. 'webrtc-offer#3' on the DHT at "
                + dht + " within 3 s"), lonelyAnswerer.transcript());

        for (String program : List.of("offerer", "answerer")) {
            ProgramProcess p = ProgramProcess.start(program, "--dht", "127.0.0.1:9");
            started.add(p);
            assertEquals(1, p.awaitExit(Duration.ofSeconds(30)), p.transcript());
            assertTrue(p.stderr().contains("no answer from the DHT node at 127.0.0.1:9"), p.transcript());
        }
    }

    @Test
    void badOptionsExitWithTwo() throws Exception {
        for (List<String> args : List.of(List.of("--dht", "nowhere"), List.of("--timeout", "soon"),
                List.of("--ice-server", "http://not-ice"), List.of("--slots", "0"), List.of("--session", "!!"))) {
            ProgramProcess p = ProgramProcess.start("answerer", args.toArray(String[]::new));
            started.add(p);
            assertEquals(2, p.awaitExit(Duration.ofSeconds(30)), p.transcript());
            assertTrue(p.stderr().startsWith("answerer: "), p.transcript());
        }
    }

    @Test
    void aDhtNodeThatListensOnEveryAddressGetsNoNoteAboutTheCommandsAddress() throws Exception {
        try (ProgramProcess everywhere = ProgramProcess.start("dht-server", "--port", "0", "--bind", "0.0.0.0")) {
            Matcher m = READY.matcher(everywhere.awaitLine("the ready line", Duration.ofSeconds(30), l -> READY.matcher(l).matches()));
            assertTrue(m.matches());
            ProgramProcess offerer = ProgramProcess.start("offerer", "--dht", "127.0.0.1:" + m.group(1), "--session",
                    "--long-code", "--timeout", "3s");
            started.add(offerer);
            String command = offerer.awaitLine("the answerer's command", RUN_LIMIT, l -> l.startsWith("On the answering side run"));
            assertEquals(1, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
            assertTrue(offerer.stderr().contains("no answer appeared"), offerer.transcript());
            // Three seconds of waiting: the node's answer at the command's address came long before.
            assertFalse(offerer.stderr().contains("does not answer at"), command + "\n" + offerer.transcript());
            // Nor a warning about its STUN server: a node on this machine is not asked (bound to every address,
            // it answers a request to 127.0.0.1 from the interface's address, which WebRTC drops).
            assertFalse(offerer.stderr().contains("STUN server"), offerer.transcript());
        }
    }

    @Test
    void aDhtNodeThatDiesWhileThePeersWaitIsSaidToHaveStoppedAtOnce() throws Exception {
        ProgramProcess node = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1");
        started.add(node);
        Matcher m = READY.matcher(node.awaitLine("the ready line", Duration.ofSeconds(30), l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        String dying = "127.0.0.1:" + m.group(1);
        // Waits of ten minutes: only noticing the node's death can end them in the time this test allows.
        ProgramProcess answerer = ProgramProcess.start("answerer", "--dht", dying, "--timeout", "10m");
        ProgramProcess offerer = ProgramProcess.start("offerer", "--dht", dying, "--session", "--timeout", "10m");
        started.add(answerer);
        started.add(offerer);
        answerer.awaitLine("Waiting for Offer SDP in DHT...", RUN_LIMIT);
        offerer.awaitLine("the code", RUN_LIMIT, l -> l.startsWith("Session code: "));
        node.kill();
        node.awaitExit(RUN_LIMIT);
        for (ProgramProcess p : List.of(answerer, offerer)) {
            assertEquals(1, p.awaitExit(RUN_LIMIT), p.transcript());
            assertTrue(p.stderr().contains("the DHT node at " + dying + " stopped answering"), p.transcript());
        }
    }

    @Test
    void anOfferLeftByAKilledOffererIsSaidToBeFromAGoneOfferer() throws Exception {
        ProgramProcess offerer = start("offerer", "--offer-key", "gone-offer", "--answer-key", "gone-answer");
        offerer.awaitLine("Waiting for Answer SDP in DHT...", RUN_LIMIT);
        offerer.kill();  // SIGKILL: its offer stays in the DHT, live until it expires
        offerer.awaitExit(RUN_LIMIT);
        ProgramProcess answerer = start("answerer", "--offer-key", "gone-offer", "--answer-key", "gone-answer",
                "--connect-timeout", "5s", "--timeout", "20s");
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        // Not "both peers are probably behind NATs ... (symmetric NAT)": nothing of the offerer ever answered.
        assertTrue(answerer.stderr().contains("nothing of the offerer ever answered")
                && answerer.stderr().contains("the offerer is probably gone"), answerer.transcript());
        assertFalse(answerer.stderr().contains("symmetric NAT"), answerer.transcript());
    }

    @Test
    void thePrintedCommandRunsAsItIsOnTheOtherSide() throws Exception {
        // Key names and an ICE server the answerer would not have by default; the ICE server from the
        // environment, which the other machine does not have. (Port 9 on loopback: nothing listens there.)
        ProgramProcess offerer = ProgramProcess.start("offerer", java.util.Map.of("ICE_SERVERS", "stun:127.0.0.1:9"),
                "--dht", dht, "--session", "--once", "--offer-key", "team offer", "--answer-key", "team-answer");
        started.add(offerer);
        String line = offerer.awaitLine("the answerer's command", RUN_LIMIT, l -> l.startsWith("On the answering side run: "));
        String command = line.substring("On the answering side run: ".length());
        assertTrue(command.contains(" --offer-key 'team offer' --answer-key team-answer --ice-server stun:127.0.0.1:9"), command);
        // The program as this one was run: java -jar with the answerer's jar of this build.
        assertTrue(command.startsWith("java -jar target/answerer.jar --session "), command);
        // Run as printed, but for the DHT node's address: the command names this machine's address for
        // another machine, and tests reach the node on loopback only.
        Matcher dhtOption = Pattern.compile(" --dht (\\S+)").matcher(command);
        assertTrue(dhtOption.find() && dhtOption.group(1).endsWith(dht.substring(dht.lastIndexOf(':'))), command);
        ProgramProcess answerer = ProgramProcess.startShell("answerer", command.replace(dhtOption.group(), " --dht " + dht) + " --once");
        started.add(answerer);
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(ANSWERER_LINES, answerer.stdoutLines(), answerer.transcript());
    }

    @Test
    void anOffererWithoutACodeMakesOneAndPrintsTheCommandThatConnects() throws Exception {
        // The secret comes from the environment; the printed command must name it, never show it.
        ProgramProcess offerer = ProgramProcess.start("offerer", java.util.Map.of("DHT_SECRET", "tulip-anvil-42"),
                "--dht", dht, "--session", "--once");
        started.add(offerer);
        String command = offerer.awaitLine("the answerer's command", RUN_LIMIT,
                l -> l.startsWith("On the answering side run (with the same secret in the environment variable "
                        + "DHT_SECRET): java -jar ") && l.contains("answerer.jar --session "));
        assertTrue(!command.contains("tulip-anvil-42"), command);
        Matcher m = Pattern.compile("--session (\\S+) --dht (\\S+)").matcher(command);
        assertTrue(m.find(), command);
        // The server listens on 127.0.0.1 here; another machine reaches this one at another address.
        String port = dht.substring(dht.lastIndexOf(':') + 1);
        assertTrue(m.group(2).endsWith(":" + port) && !m.group(2).startsWith("127.")
                || command.contains("no address known"), command);
        if (!command.contains("no address known")) {
            // ... but this server listens on 127.0.0.1 only, so the offerer finds that address dead and says so.
            offerer.awaitStderr("the note that the command's address does not answer", RUN_LIMIT,
                    "does not answer at " + m.group(2) + ", the address in the command above");
        }
        assertTrue(offerer.stdoutLines().get(0).equals("Session code: " + m.group(1)), offerer.transcript());
        ProgramProcess answerer = ProgramProcess.start("answerer", java.util.Map.of("DHT_SECRET", "tulip-anvil-42"),
                "--session", m.group(1), "--dht", dht, "--once");
        started.add(answerer);
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertEquals(OFFERER_LINES, offerer.stdoutLines().subList(2, offerer.stdoutLines().size()));
        assertEquals(ANSWERER_LINES, answerer.stdoutLines());
    }

    @Test
    void tenPairsAtOnceEachWithItsOwnSessionHearOnlyTheirPartner() throws Exception {
        int pairs = 10;
        List<ProgramProcess> offerers = new ArrayList<>();
        List<ProgramProcess> answerers = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            String code = String.format("PAIR-%04d-TEST", i);
            answerers.add(start("answerer", "--session", code, "--once", "--message", "answer from pair " + i));
            offerers.add(start("offerer", "--session", code, "--once", "--message", "offer from pair " + i));
        }
        for (int i = 0; i < pairs; i++) {
            assertEquals(0, offerers.get(i).awaitExit(RUN_LIMIT), offerers.get(i).transcript());
            assertEquals(0, answerers.get(i).awaitExit(RUN_LIMIT), answerers.get(i).transcript());
            assertTrue(offerers.get(i).stdoutLines().contains("Received message from Peer B: answer from pair " + i),
                    offerers.get(i).transcript());
            assertTrue(answerers.get(i).stdoutLines().contains("Received message on 'chat': offer from pair " + i),
                    answerers.get(i).transcript());
            assertTrue(!offerers.get(i).stderr().contains("readable by anyone"), "sessions are sealed");
        }
    }

    @Test
    void aServingAnswererTakesOffersOneAfterAnotherAndTwoAtOnce() throws Exception {
        ProgramProcess serving = start("answerer", "--serve", "--session", "SERV-EVRY-BODY");
        serving.awaitLine("Waiting for Offer SDP in DHT...", RUN_LIMIT);
        for (int i = 1; i <= 3; i++) {
            ProgramProcess offerer = start("offerer", "--session", "SERV-EVRY-BODY", "--once", "--message", "caller " + i);
            assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
            assertTrue(offerer.stdoutLines().contains("Received message from Peer B: Hello from Peer B!"), offerer.transcript());
            String wanted = "Received message on 'chat': caller " + i;
            serving.awaitLine(wanted, RUN_LIMIT, l -> l.matches("\\[session [0-9a-f]{8}] " + Pattern.quote(wanted)));
        }
        ProgramProcess a = start("offerer", "--session", "SERV-EVRY-BODY", "--once", "--message", "together A");
        ProgramProcess b = start("offerer", "--session", "SERV-EVRY-BODY", "--once", "--message", "together B");
        // With the serving answerer's transcript: a failure here (seen once, under load) needs both sides.
        assertEquals(0, a.awaitExit(RUN_LIMIT), a.transcript() + "\n--- serving answerer ---\n" + serving.transcript());
        assertEquals(0, b.awaitExit(RUN_LIMIT), b.transcript() + "\n--- serving answerer ---\n" + serving.transcript());
        for (String wanted : List.of("together A", "together B")) {
            serving.awaitLine(wanted, RUN_LIMIT, l -> l.endsWith("Received message on 'chat': " + wanted));
        }
        assertTrue(serving.isAlive(), "--serve keeps running");
        serving.terminate();
        serving.awaitExit(Duration.ofSeconds(20));
    }
}
