package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.SessionCode;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.MainlineBoard;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.testing.BittorrentDhtSwarm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
    private static ScheduledExecutorService timer;
    private static final List<MainlineNode> peers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        swarm = BittorrentDhtSwarm.start(12, List.of());
        rtc = new RtcFactory();
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() {
        peers.forEach(MainlineNode::close);
        if (timer != null) {
            timer.shutdownNow();
        }
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

    private static SignalingOptions options(String greeting) {
        return options(greeting, Duration.ofSeconds(90));
    }

    private static SignalingOptions options(String greeting, Duration timeout) {
        return new SignalingOptions(1, "chat", greeting, List.of(), dev.dhtsignal.rtc.IceTransport.ALL, timeout,
                Duration.ofSeconds(20), new Network.Pace(timeout, Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofSeconds(30)));
    }

    private static MainlineBoard board(MainlineNode node, SharedSecret secret) {
        return new MainlineBoard(node, secret, Clock.systemUTC());
    }

    /** The length of the value under {@code name}, 0 when there is none or it was cleared (an empty value). */
    private static int storedLength(MainlineBoard board, BoardName name) throws Exception {
        return board.getAll(name).get(60, TimeUnit.SECONDS).stream().mapToInt(v -> v.asBytes().length).findFirst().orElse(0);
    }

    @Test
    void twoPeersConnectThroughBittorrentDhtNodesOnly() throws Exception {
        String code = SessionCode.generate();
        SharedSecret offerSecret = SharedSecret.of(code, null);
        SharedSecret answerSecret = SharedSecret.of(code.toLowerCase(java.util.Locale.ROOT), null);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        List<String> answererLines = new CopyOnWriteArrayList<>();
        List<String> progress = new CopyOnWriteArrayList<>();
        Offerer offerer = new Offerer(options("Hello from Peer A!"), board(peer(1), offerSecret), true, rtc, timer,
                offererLines::add, Clock.systemUTC());
        Answerer answerer = new Answerer(options("Hello from Peer B!"), board(peer(7), answerSecret), rtc, timer,
                Clock.systemUTC());

        answererLines.add("Waiting for Offer SDP in DHT...");  // printed by the program, before it waits
        CompletableFuture<Connection> answered = CompletableFuture.supplyAsync(
                () -> answerer.connectToFirstWorkingOffer(answererLines::add, progress::add));
        Connection offered = offerer.connect();
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
        // The clearing began once the offerer was connected, in the background (two BEP 44 puts, each a lookup
        // and a store): a later reader sees the empty value.
        MainlineBoard reader = board(peer(4), offerSecret);
        dev.dhtsignal.testing.Await.until("the used offer to be cleared", Duration.ofSeconds(90), () -> {
            try {
                return storedLength(reader, BoardName.offer(0)) == 0;
            } catch (Exception e) {
                return false;
            }
        });
        for (MainlineNode p : peers) {
            assertEquals(0, p.stats().queriesServed(), "peers are read-only and serve no one");
        }
        assertWithinFloodLimit();
    }

    /** libtorrent blocks a sender of more than 50 packets to it within 10 s: no peer of ours came near. */
    private static void assertWithinFloodLimit() {
        for (MainlineNode p : peers) {
            dev.dhtsignal.dht.mainline.FloodLimit.Stats flood = p.floodStats();
            assertTrue(flood.mostToOneNode() <= dev.dhtsignal.dht.mainline.FloodLimit.PACKETS, flood.toString());
            assertEquals(0, flood.heldBack(), "the polling's own pace stayed under the limit: " + flood);
        }
    }

    /**
     * A peer that waits long polls at the programs' Mainline pace (a get straight to 4 of the item's 8 nodes,
     * every half second at the most) without reaching any node's flood limit: the nodes of a small network
     * hold every target, so each is asked again and again.
     */
    @Test
    void aLongWaitStaysUnderEveryNodesFloodLimit() throws Exception {
        SharedSecret secret = SharedSecret.of(SessionCode.generate(), null);
        Network.Pace pace = new dev.dhtsignal.signal.board.MainlineNetwork.Settings(List.of(), Duration.ofSeconds(30)).pace();
        Duration wait = Duration.ofSeconds(14);
        SignalingOptions options = new SignalingOptions(4, "chat", "Hello from Peer B!", List.of(),
                dev.dhtsignal.rtc.IceTransport.ALL, wait, Duration.ofSeconds(20),
                new Network.Pace(wait, pace.firstPause(), pace.longestPause(), pace.stepLimit()));
        MainlineNode node = peer(6);
        Answerer answerer = new Answerer(options, board(node, secret), rtc, timer, Clock.systemUTC());
        org.junit.jupiter.api.Assertions.assertThrows(SignalingException.class, () -> answerer.nextOffer(wait));
        assertTrue(node.itemActivity().directGets() >= 40, "it polled 4 offer slots all the while: " + node.itemActivity());
        assertWithinFloodLimit();
    }

    @Test
    void anOffererStoppedWhileWaitingClearsItsOffer() throws Exception {
        SharedSecret secret = SharedSecret.of(SessionCode.generate(), null);
        Offerer offerer = new Offerer(options("Hello from Peer A!", Duration.ofSeconds(8)), board(peer(3), secret), true,
                rtc, timer, line -> { }, Clock.systemUTC());
        CompletableFuture<Connection> offering = CompletableFuture.supplyAsync(offerer::connect);
        MainlineBoard reader = board(peer(8), secret);
        dev.dhtsignal.testing.Await.until("the offer stored", Duration.ofSeconds(60), () -> {
            try {
                return storedLength(reader, BoardName.offer(0)) > 0;
            } catch (Exception e) {
                return false;
            }
        });
        offerer.withdraw();  // what a stopped offerer does
        assertEquals(0, storedLength(reader, BoardName.offer(0)), "no answerer finds the gone offerer's offer");
        java.util.concurrent.ExecutionException noAnswer = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> offering.get(60, TimeUnit.SECONDS));
        assertTrue(noAnswer.getCause() instanceof SignalingException, noAnswer.toString());
    }

    @Test
    void aStrangerCanNeitherReadNorReplaceTheSessionsItems() throws Exception {
        SharedSecret secret = SharedSecret.of(SessionCode.generate(), null);
        MainlineBoard owner = board(peer(2), secret);
        byte[] value = "sealed offer bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        BoardName offer = BoardName.offer(0);
        owner.put(offer, DhtValue.bytes(value)).get(60, TimeUnit.SECONDS);

        // A stranger with another code looks elsewhere, and finds nothing.
        MainlineBoard stranger = board(peer(5), SharedSecret.of(SessionCode.generate(), null));
        assertFalse(stranger.keyOf(offer).equals(owner.keyOf(offer)));
        assertEquals(List.of(), stranger.getAll(offer).get(60, TimeUnit.SECONDS));

        // A stranger who learned the item's key from the wire cannot sign for it: the nodes refuse the write.
        MainlineNode strangerNode = peer(9);
        dev.dhtsignal.dht.mainline.Ed25519.SigningKey own = dev.dhtsignal.dht.mainline.Ed25519.generate();
        dev.dhtsignal.dht.mainline.MutableItem genuine = strangerNode.get(owner.keyOf(offer),
                java.util.Arrays.copyOf(secret.derive("mainline/offer/salt"), 16)).get(60, TimeUnit.SECONDS)
                .mutable().orElseThrow();
        dev.dhtsignal.dht.mainline.MutableItem forged = new dev.dhtsignal.dht.mainline.MutableItem(genuine.publicKey(),
                genuine.salt(), genuine.seq() + 1, "forged".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                own.sign(dev.dhtsignal.dht.mainline.MutableItem.signedBytes(genuine.salt(), genuine.seq() + 1,
                        "forged".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertEquals(0, strangerNode.put(forged, Optional.empty()).get(60, TimeUnit.SECONDS).stored());
        assertEquals(List.of(DhtValue.bytes(value)), owner.getAll(offer).get(60, TimeUnit.SECONDS));
    }
}
