package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.exchange.Answerer;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Offerer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.Transcripts;
import dev.dhtsignal.transfer.IncomingFiles;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** 'answerer --serve' at its limit of open sessions, in one JVM over a real DHT node and real WebRTC. */
class ServerLimitsTest {
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void anOfferBeyondMaxPeersIsSkippedNotAnsweredAndTheNextIsAnsweredOnceASessionEnds() throws Exception {
        RtcFactory rtc = new RtcFactory();
        resources.add(rtc);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        resources.add(timer::shutdownNow);
        KademliaNode dht = KademliaNode.start(KademliaConfig.builder().threadName("limits-dht").build());
        resources.add(dht);
        Keys keys = new Keys("limits-offer", "limits-answer");
        List<String> served = new CopyOnWriteArrayList<>();
        SignalingOptions answering = options(dht, keys, "Hello from Peer B!", Duration.ofSeconds(30));
        Answerer answerer = new Answerer(answering, join(dht, keys), rtc, timer, Clock.systemUTC());
        Server server = new Server(answerer, served::add, new OfferAdmission(1, 100, Clock.systemUTC()), Duration.ofMinutes(10), 1);
        Thread serving = new Thread(() -> server.run(new ByteArrayInputStream(new byte[0])), "limits-server");
        serving.start();
        resources.add(() -> {
            serving.interrupt();
            serving.join(Await.DEADLINE.toMillis());
        });

        List<String> first = new CopyOnWriteArrayList<>();
        Connection firstConnection = offerer(rtc, timer, dht, keys, Duration.ofSeconds(30), first).connect();
        assertEquals(Transcripts.OFFERER, first);

        // The one session allowed is open: the next offer is skipped, so its offerer hears nothing.
        List<String> second = new CopyOnWriteArrayList<>();
        Offerer skipped = offerer(rtc, timer, dht, keys, Duration.ofSeconds(3), second);
        SignalingException e = assertThrows(SignalingException.class, skipped::connect);
        assertTrue(e.getMessage().contains("no answer appeared"), e.getMessage());
        skipped.awaitClearing();

        firstConnection.close();
        Await.until("the first session to end", Await.DEADLINE, () -> served.stream().anyMatch(l -> l.endsWith("the offerer left") || l.endsWith("the connection to the offerer was lost")));
        List<String> third = new CopyOnWriteArrayList<>();
        Connection thirdConnection = offerer(rtc, timer, dht, keys, Duration.ofSeconds(30), third).connect();
        assertEquals(Transcripts.OFFERER, third);
        thirdConnection.close();
        assertEquals(2, served.stream().filter(l -> l.endsWith("Answer SDP stored in DHT.")).count(), served.toString());
    }

    @Test
    void aSecondSessionFromOneAddressPastItsShareIsClosedTellingTheOffererWhy() throws Exception {
        RtcFactory rtc = new RtcFactory();
        resources.add(rtc);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        resources.add(timer::shutdownNow);
        KademliaNode dht = KademliaNode.start(KademliaConfig.builder().threadName("share-dht").build());
        resources.add(dht);
        Keys keys = new Keys("share-offer", "share-answer");
        List<String> served = new CopyOnWriteArrayList<>();
        List<String> errors = serve(rtc, timer, dht, keys, served, new OfferAdmission(8, 100, 1, Duration.ofSeconds(30),
                Clock.systemUTC()));

        Connection first = offerer(rtc, timer, dht, keys, Duration.ofSeconds(30), new CopyOnWriteArrayList<>()).connect();
        Connection second = offerer(rtc, timer, dht, keys, Duration.ofSeconds(30), new CopyOnWriteArrayList<>()).connect();
        first.session().begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
        second.session().begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
        // Both come from this machine's address: the second is one past the share of 1.
        Await.result("the second session closed", second.session().channel().closed());
        assertEquals("too many sessions from your address are open at the answerer already",
                second.session().closedByPeer().orElseThrow());
        Await.until("the answerer's line about it", Await.DEADLINE, () -> errors.stream().anyMatch(
                l -> l.matches("answerer: \\[session [0-9a-f]{8}] closed: 1 session\\(s\\) are open from .+ "
                        + "\\(--max-peers-per-address 1\\)")));
        first.session().sendLine("the first is still served");
        Await.until("the first session's line", Await.DEADLINE,
                () -> served.stream().anyMatch(l -> l.endsWith("Received message on 'chat': the first is still served")));
        first.close();
        second.close();
    }

    @Test
    void whatAnOffererSendsIsPrintedWithItsControlsReplacedSoItCannotForgeLines() throws Exception {
        RtcFactory rtc = new RtcFactory();
        resources.add(rtc);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        resources.add(timer::shutdownNow);
        KademliaNode dht = KademliaNode.start(KademliaConfig.builder().threadName("forge-dht").build());
        resources.add(dht);
        Keys keys = new Keys("forge-offer", "forge-answer");
        List<String> served = new CopyOnWriteArrayList<>();
        serve(rtc, timer, dht, keys, served, new OfferAdmission(4, 100, Clock.systemUTC()));

        SignalingOptions options = options(dht, keys, "Hi\u001b]0;retitled\u0007 from \u202Eevil", Duration.ofSeconds(30));
        Connection connection = new Offerer(options, join(dht, keys), true, rtc, timer, line -> { }, Clock.systemUTC()).connect();
        connection.session().begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
        connection.session().sendLine("fine\n[session 00000000] Received message on 'chat': forged\u001b[2J");
        connection.session().sendLine("\u001b]52;c;cm0gLXJmIH4=\u0007last");
        Await.until("the last line", Await.DEADLINE, () -> served.stream().anyMatch(l -> l.endsWith("last")));
        String r = "\uFFFD";
        List<String> received = served.stream().filter(l -> l.contains("Received message on 'chat': ")).toList();
        assertEquals(3, received.size(), served.toString());
        assertTrue(received.get(0).endsWith("Received message on 'chat': Hi" + r + "]0;retitled" + r + " from " + r + "evil"),
                received.get(0));
        assertTrue(received.get(1).endsWith(": fine" + r + "[session 00000000] Received message on 'chat': forged" + r + "[2J"),
                received.get(1));
        assertTrue(received.get(2).endsWith(": " + r + "]52;c;cm0gLXJmIH4=" + r + "last"), received.get(2));
        for (String line : served) {
            assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == 0x202E), "a raw control in: " + line);
        }
        connection.close();
    }

    /** Starts a server on its own thread; returns what it prints on standard error. */
    private List<String> serve(RtcFactory rtc, ScheduledExecutorService timer, KademliaNode dht, Keys keys, List<String> served,
                               OfferAdmission admission) {
        SignalingOptions answering = options(dht, keys, "Hello from Peer B!", Duration.ofSeconds(30));
        Answerer answerer = new Answerer(answering, join(dht, keys), rtc, timer, Clock.systemUTC());
        Server server = new Server(answerer, served::add, admission, Duration.ofMinutes(10), 4);
        List<String> errors = new CopyOnWriteArrayList<>();
        PrintStream err = System.err;
        // The server's own lines (closed sessions) go to standard error, as the program's do.
        System.setErr(new PrintStream(new LineSink(errors, err), true, StandardCharsets.UTF_8));
        resources.add(() -> System.setErr(err));
        Thread serving = new Thread(() -> server.run(new ByteArrayInputStream(new byte[0])), "limits-server");
        serving.start();
        resources.add(() -> {
            serving.interrupt();
            serving.join(Await.DEADLINE.toMillis());
        });
        return errors;
    }

    /** Collects what is written as lines, and passes it on. */
    private static final class LineSink extends java.io.OutputStream {
        private final List<String> lines;
        private final PrintStream next;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        LineSink(List<String> lines, PrintStream next) {
            this.lines = lines;
            this.next = next;
        }

        @Override
        public synchronized void write(int b) {
            next.write(b);
            if (b == '\n') {
                lines.add(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    /** The plain session's key names in one test. */
    private record Keys(String offer, String answer) {
    }

    private SignalingOptions options(KademliaNode dht, Keys keys, String greeting, Duration timeout) {
        return new SignalingOptions(4, "chat", greeting, List.of(), IceTransport.ALL, timeout, Duration.ofSeconds(20),
                new Network.Pace(timeout, Duration.ofMillis(25), Duration.ofMillis(200), Duration.ofSeconds(10)));
    }

    /** The session's board through a client of its own that joins {@code dht}, as a peer program has. */
    private SignalBoard join(KademliaNode dht, Keys keys) {
        KademliaNetwork network = KademliaNetwork.join(new KademliaNetwork.Settings(dht.localAddress(), Duration.ofSeconds(2),
                Duration.ofMillis(200), keys.offer(), keys.answer()), "limits-client");
        resources.add(network);
        return network.board(null);
    }

    private Offerer offerer(RtcFactory rtc, ScheduledExecutorService timer, KademliaNode dht, Keys keys, Duration timeout,
                            List<String> lines) {
        return new Offerer(options(dht, keys, "Hello from Peer A!", timeout), join(dht, keys), true, rtc, timer, lines::add,
                Clock.systemUTC());
    }
}
