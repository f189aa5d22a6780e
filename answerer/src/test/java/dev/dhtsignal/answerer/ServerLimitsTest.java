package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.Answerer;
import dev.dhtsignal.signal.Connection;
import dev.dhtsignal.signal.Offerer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.SignalingOptions;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.Transcripts;
import java.io.ByteArrayInputStream;
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
        List<String> served = new CopyOnWriteArrayList<>();
        Answerer answerer = new Answerer(options("Hello from Peer B!", Duration.ofSeconds(30)), join(dht), rtc, timer,
                Clock.systemUTC());
        Server server = new Server(answerer, served::add, new OfferAdmission(1, 100, Clock.systemUTC()));
        Thread serving = new Thread(() -> server.run(new ByteArrayInputStream(new byte[0])), "limits-server");
        serving.start();
        resources.add(() -> {
            serving.interrupt();
            serving.join(Await.DEADLINE.toMillis());
        });

        List<String> first = new CopyOnWriteArrayList<>();
        Connection firstConnection = offerer(rtc, timer, dht, Duration.ofSeconds(30), first).connect();
        assertEquals(Transcripts.OFFERER, first);

        // The one session allowed is open: the next offer is skipped, so its offerer hears nothing.
        List<String> second = new CopyOnWriteArrayList<>();
        Offerer skipped = offerer(rtc, timer, dht, Duration.ofSeconds(3), second);
        SignalingException e = assertThrows(SignalingException.class, skipped::connect);
        assertTrue(e.getMessage().contains("no answer appeared"), e.getMessage());
        skipped.awaitClearing();

        firstConnection.close();
        Await.until("the first session to end", Await.DEADLINE, () -> served.stream().anyMatch(l -> l.endsWith("Channel closed") || l.endsWith("Connection lost")));
        List<String> third = new CopyOnWriteArrayList<>();
        Connection thirdConnection = offerer(rtc, timer, dht, Duration.ofSeconds(30), third).connect();
        assertEquals(Transcripts.OFFERER, third);
        thirdConnection.close();
        assertEquals(2, served.stream().filter(l -> l.endsWith("Answer SDP stored in DHT.")).count(), served.toString());
    }

    private static SignalingOptions options(String greeting, Duration timeout) {
        return new SignalingOptions(4, "chat", greeting, List.of(), IceTransport.ALL, timeout, Duration.ofSeconds(20),
                new Network.Pace(timeout, Duration.ofMillis(25), Duration.ofMillis(200), Duration.ofSeconds(10)));
    }

    /** A plain session's board through a client of its own that joins {@code dht}, as a peer program has. */
    private SignalBoard join(KademliaNode dht) {
        KademliaNetwork network = KademliaNetwork.join(new KademliaNetwork.Settings(dht.localAddress(), Duration.ofSeconds(2),
                Duration.ofMillis(200), "limits-offer", "limits-answer"), "limits-client");
        resources.add(network);
        return network.board(null);
    }

    private Offerer offerer(RtcFactory rtc, ScheduledExecutorService timer, KademliaNode dht, Duration timeout,
                            List<String> lines) {
        return new Offerer(options("Hello from Peer A!", timeout), join(dht), true, rtc, timer, lines::add, Clock.systemUTC());
    }
}
