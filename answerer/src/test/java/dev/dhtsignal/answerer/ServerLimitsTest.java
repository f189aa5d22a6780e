package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtConfig;
import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.Answerer;
import dev.dhtsignal.signal.Connection;
import dev.dhtsignal.signal.DhtAccess;
import dev.dhtsignal.signal.Offerer;
import dev.dhtsignal.signal.Rendezvous;
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
        DhtNode dht = DhtNode.start(DhtConfig.builder().threadName("limits-dht").build());
        resources.add(dht);
        Rendezvous keys = Rendezvous.plain("limits-offer", "limits-answer", 4);
        List<String> served = new CopyOnWriteArrayList<>();
        SignalingOptions answering = options(dht, keys, "Hello from Peer B!", Duration.ofSeconds(30));
        Answerer answerer = new Answerer(answering, join(answering), rtc, timer, Clock.systemUTC());
        Server server = new Server(answerer, served::add, new OfferAdmission(1, 100, Clock.systemUTC()), Duration.ofMinutes(10));
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
        Await.until("the first session to end", Await.DEADLINE, () -> served.stream().anyMatch(l -> l.endsWith("Channel closed") || l.endsWith("Connection lost")));
        List<String> third = new CopyOnWriteArrayList<>();
        Connection thirdConnection = offerer(rtc, timer, dht, keys, Duration.ofSeconds(30), third).connect();
        assertEquals(Transcripts.OFFERER, third);
        thirdConnection.close();
        assertEquals(2, served.stream().filter(l -> l.endsWith("Answer SDP stored in DHT.")).count(), served.toString());
    }

    private SignalingOptions options(DhtNode dht, Rendezvous keys, String greeting, Duration timeout) {
        return new SignalingOptions(dht.localAddress(), keys, "chat", greeting, List.of(), timeout,
                Duration.ofSeconds(20), Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    private DhtNode join(SignalingOptions options) {
        DhtNode node = DhtAccess.join(options, "limits-client");
        resources.add(node);
        return node;
    }

    private Offerer offerer(RtcFactory rtc, ScheduledExecutorService timer, DhtNode dht, Rendezvous keys, Duration timeout,
                            List<String> lines) {
        SignalingOptions options = options(dht, keys, "Hello from Peer A!", timeout);
        return new Offerer(options, join(options), rtc, timer, lines::add, Clock.systemUTC());
    }
}
