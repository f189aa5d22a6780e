package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.BittorrentDhtSwarm;
import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.testing.TerminalProcess;
import dev.dhtsignal.testing.Transcripts;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code offerer} and {@code answerer} with {@code --network mainline} as real processes, meeting through a
 * loopback network of bittorrent-dht nodes (an independent implementation) with no dht-server of ours;
 * then {@code dht-server --network mainline} joining that network and serving a peer.
 */
class MainlineEndToEndIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(150);
    private static final Pattern CODE = Pattern.compile("Session code: (\\S+)");
    private static BittorrentDhtSwarm swarm;
    private final List<ProgramProcess> started = new ArrayList<>();

    @BeforeAll
    static void startSwarm() throws Exception {
        swarm = BittorrentDhtSwarm.start(10, List.of());
    }

    @AfterAll
    static void stopSwarm() {
        if (swarm != null) {
            swarm.close();
        }
    }

    @AfterEach
    void stopAll() {
        started.forEach(ProgramProcess::close);
    }

    private static String endpoint(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private ProgramProcess start(String program, String... args) throws Exception {
        // Peers on the Mainline DHT would otherwise use the public STUN servers when no bootstrap node offers
        // STUN: tests reach nothing beyond this machine.
        if (!program.equals("dht-server")) {
            String[] all = java.util.Arrays.copyOf(args, args.length + 1);
            all[args.length] = "--no-default-stun";
            args = all;
        }
        ProgramProcess p = ProgramProcess.start(program, args);
        started.add(p);
        return p;
    }

    /** The session code the offerer prints first. */
    private static String printedCode(ProgramProcess offerer) {
        Matcher code = CODE.matcher(offerer.awaitLine("the session code", Duration.ofSeconds(60), l -> CODE.matcher(l).matches()));
        assertTrue(code.matches());
        return code.group(1);
    }

    @Test
    void twoPeersMeetThroughBittorrentDhtNodesWithNoServerOfOurs() throws Exception {
        ProgramProcess offerer = start("offerer", "--network", "mainline", "--session", "--once", "--report-timing",
                "--bootstrap", endpoint(swarm.nodes().get(2)));
        String code = printedCode(offerer);
        ProgramProcess answerer = start("answerer", "--network", "mainline", "--session", code, "--once", "--report-timing",
                "--bootstrap", endpoint(swarm.nodes().get(8)));
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        List<String> offererLines = offerer.stdoutLines();
        assertEquals(Transcripts.OFFERER, offererLines.subList(2, offererLines.size()), offerer.transcript());
        assertEquals(Transcripts.ANSWERER, answerer.stdoutLines(), answerer.transcript());
        // The same report of the connection as on the original network.
        assertTrue(offerer.stderr().contains("offerer: connected in "), offerer.transcript());
        assertTrue(answerer.stderr().contains("answerer: connected in "), answerer.transcript());
        assertWithinFloodLimit(offerer);
        assertWithinFloodLimit(answerer);
    }

    private static final Pattern FLOOD = Pattern.compile("dht-most-to-one-node=(\\d+) dht-held-back=(\\d+)");

    /**
     * libtorrent blocks, for five minutes, a sender of more than 50 packets to it within 10 s: the program's
     * own count (--report-timing) stayed under it, and its polling never had to be held back.
     */
    private static void assertWithinFloodLimit(ProgramProcess program) {
        Matcher m = FLOOD.matcher(program.stderr());
        assertTrue(m.find(), program.transcript());
        assertTrue(Integer.parseInt(m.group(1)) <= 50, m.group() + "\n" + program.transcript());
        assertEquals("0", m.group(2), m.group() + "\n" + program.transcript());
    }

    @Test
    void anAnswererServesOneOffererAfterAnotherOverTheMainlineDht() throws Exception {
        String code = "K7QX-M2PD-9RTA";
        ProgramProcess serving = start("answerer", "--network", "mainline", "--session", code, "--serve",
                "--bootstrap", endpoint(swarm.nodes().get(1)));
        serving.awaitLine("Waiting for Offer SDP in DHT...", RUN_LIMIT);
        for (int i = 0; i < 2; i++) {
            ProgramProcess offerer = start("offerer", "--network", "mainline", "--session", code, "--once",
                    "--bootstrap", endpoint(swarm.nodes().get(7 - i)));
            assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
            assertEquals(Transcripts.OFFERER, offerer.stdoutLines(), offerer.transcript());
        }
        dev.dhtsignal.testing.Await.until("both sessions' greetings", RUN_LIMIT, () -> serving.stdoutLines().stream()
                .filter(x -> x.endsWith("Received message on 'chat': Hello from Peer A!")).count() >= 2);
        assertTrue(serving.isAlive(), serving.transcript());
    }

    @Test
    void aWaitingPeerOnATerminalShowsHowLongItHasWaited() throws Exception {
        ProgramProcess waiting = ProgramProcess.startOnTerminal("answerer", "--network", "mainline", "--session",
                "ZZZZ-ZZZZ-ZZZZ", "--timeout", "3s", "--bootstrap", endpoint(swarm.nodes().get(9)));
        started.add(waiting);
        assertEquals(1, waiting.awaitExit(RUN_LIMIT), waiting.transcript());
        assertTrue(waiting.stdoutLines().stream().anyMatch(l -> l.contains("answerer: waiting for an offer: 1s of 3s")),
                waiting.transcript());
        // The key exchange of a short code is a wait too, and joining the Mainline DHT takes a moment: both shown.
        ProgramProcess exchanging = ProgramProcess.startOnTerminal("answerer", "--network", "mainline", "--session",
                "7-guitarist-revenge", "--timeout", "3s", "--bootstrap", endpoint(swarm.nodes().get(8)));
        started.add(exchanging);
        assertEquals(1, exchanging.awaitExit(RUN_LIMIT), exchanging.transcript());
        assertTrue(exchanging.stdoutLines().stream().anyMatch(l -> l.contains("answerer: waiting for an offer: 1s of 3s")),
                exchanging.transcript());
        assertTrue(exchanging.stdoutLines().stream().anyMatch(l -> l.contains("answerer: joining the Mainline DHT: 0s")),
                exchanging.transcript());
    }

    @Test
    void aDirectoryGoesOverAShortCodeOnMainlineWithThePersonsConsentAndABar(@TempDir Path temp) throws Exception {
        Path photos = Files.createDirectories(temp.resolve("out/photos/2024"));
        byte[] beach = new byte[2_000_000];
        new java.util.Random(8).nextBytes(beach);
        Files.write(photos.resolve("beach.jpg"), beach);
        Files.writeString(temp.resolve("out/photos/index.txt"), "index");
        ProgramProcess offerer = start("offerer", "--network", "mainline", "--session", "--send",
                temp.resolve("out/photos").toString(), "--bootstrap", endpoint(swarm.nodes().get(2)));
        String code = printedCode(offerer);
        Path inbox = Files.createDirectory(temp.resolve("in"));
        try (TerminalProcess answerer = TerminalProcess.start(80, 24, "answerer", inbox, List.of("--network", "mainline",
                "--session", code, "--bootstrap", endpoint(swarm.nodes().get(6))))) {
            answerer.await("the question", RUN_LIMIT, "Receive photos (2 files, 1.9 MiB) from the offerer into ./? [y/N] ");
            answerer.type("y\n");
            assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript() + TerminalProcess.visible(answerer.raw()));
            assertEquals(0, answerer.awaitExit(RUN_LIMIT), TerminalProcess.visible(answerer.raw()));
            assertTrue(answerer.raw().contains("Received directory 'photos' (2 files, " + (beach.length + 5)
                    + " bytes, every SHA-256 verified) as "), TerminalProcess.visible(answerer.raw()));
        }
        assertArrayEquals(beach, Files.readAllBytes(inbox.resolve("photos/2024/beach.jpg")));
        assertEquals("index", Files.readString(inbox.resolve("photos/index.txt")));
        assertTrue(offerer.stdoutLines().stream().anyMatch(l -> l.startsWith("Sent directory 'photos' (2 files, "
                + (beach.length + 5) + " bytes, every SHA-256 verified by the receiver): ")), offerer.transcript());
    }

    @Test
    void aFileGoesOverAMainlineSessionVerified(@TempDir Path temp) throws Exception {
        Path file = temp.resolve("report.bin");
        byte[] content = new byte[300_000];  // several chunks and a short last one
        new java.util.Random(3).nextBytes(content);
        Files.write(file, content);
        Path inbox = Files.createDirectory(temp.resolve("inbox"));
        ProgramProcess offerer = start("offerer", "--network", "mainline", "--session", "--send", file.toString(),
                "--bootstrap", endpoint(swarm.nodes().get(4)));
        String code = printedCode(offerer);
        ProgramProcess answerer = start("answerer", "--network", "mainline", "--session", code,
                "--receive", inbox.toString(), "--bootstrap", endpoint(swarm.nodes().get(5)));
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertArrayEquals(content, Files.readAllBytes(inbox.resolve("report.bin")));
        assertTrue(offerer.stdoutLines().stream().anyMatch(l -> l.startsWith("Sent file 'report.bin' (300000 bytes, SHA-256 "
                + "verified by the receiver): ")), offerer.transcript());
    }

    @Test
    void anOffererStoppedWithALongCodeLeavesNoOfferForTheNextAnswerer() throws Exception {
        ProgramProcess offerer = start("offerer", "--network", "mainline", "--session", "--long-code",
                "--bootstrap", endpoint(swarm.nodes().get(3)));
        String code = printedCode(offerer);
        offerer.awaitLine("Offer SDP stored in DHT.", RUN_LIMIT);
        offerer.terminate();
        assertEquals(143, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        // Had the offer stayed, this answerer would answer it and wait on ICE for an offerer that is gone.
        ProgramProcess answerer = start("answerer", "--network", "mainline", "--session", code, "--timeout", "5s",
                "--bootstrap", endpoint(swarm.nodes().get(6)));
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains("no offer appeared under") && answerer.stderr().contains("on the Mainline DHT"),
                answerer.transcript());
        assertTrue(!answerer.stdoutLines().contains("Remote description set. Creating Answer SDP..."), answerer.transcript());
    }

    @Test
    void aMainlineServerJoinsThemAndPeersWithoutASessionGetAClearError() throws Exception {
        ProgramProcess server = start("dht-server", "--network", "mainline", "--port", "0", "--bind", "127.0.0.1",
                endpoint(swarm.nodes().get(0)));
        Pattern ready = Pattern.compile("DHT Server running on port (\\d+)");
        Matcher m = ready.matcher(server.awaitLine("the ready line", Duration.ofSeconds(60), l -> ready.matcher(l).matches()));
        assertTrue(m.matches());
        server.awaitStderr("that it joined", Duration.ofSeconds(30), "joined the Mainline DHT through 1 of 1");

        ProgramProcess plain = start("answerer", "--network", "mainline", "--bootstrap", "127.0.0.1:" + m.group(1));
        assertEquals(2, plain.awaitExit(Duration.ofSeconds(60)), plain.transcript());
        assertTrue(plain.stderr().contains("--network mainline needs --session"), plain.transcript());

        ProgramProcess lonely = start("answerer", "--network", "mainline", "--session", "ABCD-EFGH-JKMN", "--timeout", "5s",
                "--bootstrap", "127.0.0.1:" + m.group(1));
        assertEquals(1, lonely.awaitExit(Duration.ofSeconds(90)), lonely.transcript());
        assertTrue(lonely.stderr().contains("no offer appeared under") && lonely.stderr().contains("on the Mainline DHT"),
                lonely.transcript());
    }
}
