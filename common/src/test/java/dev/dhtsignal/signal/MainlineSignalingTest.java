package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.testing.BittorrentDhtSwarm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our offerer and answerer meet through a loopback network made only of bittorrent-dht nodes (no node of
 * ours serves anyone), over real WebRTC; and a stranger without the session code can neither read nor
 * replace their items.
 */
class MainlineSignalingTest {
    private static BittorrentDhtSwarm swarm;
    private static RtcFactory rtc;
    private static final List<MainlineNode> peers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        swarm = BittorrentDhtSwarm.start(12, List.of());
        rtc = new RtcFactory();
    }

    @AfterAll
    static void stop() {
        peers.forEach(MainlineNode::close);
        if (rtc != null) {
            rtc.close();
        }
        if (swarm != null) {
            swarm.close();
        }
    }

    private static MainlineNode peer(int via) throws Exception {
        MainlineNode n = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
                .withThreadName("signal-peer"));
        peers.add(n);
        assertTrue(n.bootstrap(List.of(swarm.nodes().get(via))).get(60, TimeUnit.SECONDS) > 0);
        return n;
    }

    private static BoardOptions options(SharedSecret secret, String greeting) {
        return options(secret, greeting, Duration.ofSeconds(90));
    }

    private static BoardOptions options(SharedSecret secret, String greeting, Duration timeout) {
        return new BoardOptions(secret, "chat", greeting, List.of(), dev.dhtsignal.rtc.IceTransport.ALL, timeout, Duration.ofSeconds(20),
                Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    /** The length of the value under {@code name}, 0 when there is none or it was cleared (an empty value). */
    private static int storedLength(MainlineBoard board, String name) throws Exception {
        return board.get(name).get(60, TimeUnit.SECONDS).map(v -> v.length).orElse(0);
    }

    @Test
    void twoPeersConnectThroughBittorrentDhtNodesOnly() throws Exception {
        String code = SessionCode.generate();
        SharedSecret offerSecret = SharedSecret.of(code, null);
        SharedSecret answerSecret = SharedSecret.of(code.toLowerCase(java.util.Locale.ROOT), null);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        List<String> answererLines = new CopyOnWriteArrayList<>();
        List<String> progress = new CopyOnWriteArrayList<>();
        BoardExchange offerer = new BoardExchange(new MainlineBoard(peer(1), offerSecret, Clock.systemUTC()),
                options(offerSecret, "Hello from Peer A!"), rtc, offererLines::add, progress::add, Clock.systemUTC());
        BoardExchange answerer = new BoardExchange(new MainlineBoard(peer(7), answerSecret, Clock.systemUTC()),
                options(answerSecret, "Hello from Peer B!"), rtc, answererLines::add, progress::add, Clock.systemUTC());

        CompletableFuture<Connection> answered = CompletableFuture.supplyAsync(answerer::answer);
        Connection offered = offerer.offer();
        Connection answeredConnection = answered.get(120, TimeUnit.SECONDS);
        offered.close();
        answeredConnection.close();

        assertEquals(List.of("Offer SDP stored in DHT.", "Waiting for Answer SDP in DHT...",
                "Remote description set. WebRTC connection established.", "Data channel 'chat' is open",
                "Received message from Peer B: Hello from Peer B!"), offererLines);
        assertEquals(List.of("Waiting for Offer SDP in DHT...", "Remote description set. Creating Answer SDP...",
                "Answer SDP stored in DHT.", "WebRTC connection established.",
                "Received message on 'chat': Hello from Peer A!", "Data channel 'chat' is open"), answererLines);
        // The code can be used again, so the used offer is cleared: a later answerer does not take it.
        offerer.withdraw();  // waits for the clearing that began once the offerer was connected
        assertEquals(0, storedLength(new MainlineBoard(peer(4), offerSecret, Clock.systemUTC()), "offer"));
        for (MainlineNode p : peers) {
            assertEquals(0, p.stats().queriesServed(), "peers are read-only and serve no one");
        }
    }

    @Test
    void anOffererStoppedWhileWaitingClearsItsOffer() throws Exception {
        SharedSecret secret = SharedSecret.of(SessionCode.generate(), null);
        BoardExchange offerer = new BoardExchange(new MainlineBoard(peer(3), secret, Clock.systemUTC()),
                options(secret, "Hello from Peer A!", Duration.ofSeconds(8)), rtc, line -> { }, line -> { }, Clock.systemUTC());
        CompletableFuture<Connection> offering = CompletableFuture.supplyAsync(offerer::offer);
        MainlineBoard reader = new MainlineBoard(peer(8), secret, Clock.systemUTC());
        dev.dhtsignal.testing.Await.until("the offer stored", Duration.ofSeconds(60), () -> {
            try {
                return storedLength(reader, "offer") > 0;
            } catch (Exception e) {
                return false;
            }
        });
        offerer.withdraw();  // what a stopped offerer does
        assertEquals(0, storedLength(reader, "offer"), "no answerer finds the gone offerer's offer");
        java.util.concurrent.ExecutionException noAnswer = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> offering.get(60, TimeUnit.SECONDS));
        assertTrue(noAnswer.getCause() instanceof SignalingException, noAnswer.toString());
    }

    @Test
    void aStrangerCanNeitherReadNorReplaceTheSessionsItems() throws Exception {
        SharedSecret secret = SharedSecret.of(SessionCode.generate(), null);
        MainlineBoard owner = new MainlineBoard(peer(2), secret, Clock.systemUTC());
        byte[] value = "sealed offer bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        owner.put("offer", value).get(60, TimeUnit.SECONDS);

        // A stranger with another code looks elsewhere, and finds nothing.
        MainlineBoard stranger = new MainlineBoard(peer(5), SharedSecret.of(SessionCode.generate(), null), Clock.systemUTC());
        assertFalse(stranger.keyOf("offer").equals(owner.keyOf("offer")));
        assertEquals(Optional.empty(), stranger.get("offer").get(60, TimeUnit.SECONDS));

        // A stranger who learned the item's key from the wire cannot sign for it: the nodes refuse the write.
        MainlineNode strangerNode = peer(9);
        dev.dhtsignal.dht.mainline.Ed25519.SigningKey own = dev.dhtsignal.dht.mainline.Ed25519.generate();
        dev.dhtsignal.dht.mainline.MutableItem genuine = strangerNode.get(owner.keyOf("offer"),
                java.util.Arrays.copyOf(secret.derive("mainline/offer/salt"), 16)).get(60, TimeUnit.SECONDS)
                .mutable().orElseThrow();
        dev.dhtsignal.dht.mainline.MutableItem forged = new dev.dhtsignal.dht.mainline.MutableItem(genuine.publicKey(),
                genuine.salt(), genuine.seq() + 1, "forged".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                own.sign(dev.dhtsignal.dht.mainline.MutableItem.signedBytes(genuine.salt(), genuine.seq() + 1,
                        "forged".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertEquals(0, strangerNode.put(forged, Optional.empty()).get(60, TimeUnit.SECONDS).stored());
        assertEquals(Optional.of(java.util.HexFormat.of().formatHex(value)),
                owner.get("offer").get(60, TimeUnit.SECONDS).map(java.util.HexFormat.of()::formatHex));
    }
}
