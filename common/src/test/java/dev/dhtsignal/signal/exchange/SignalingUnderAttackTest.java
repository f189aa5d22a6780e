package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.JsonContent;
import dev.dhtsignal.signal.SealedFormat;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.TestNetwork;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.KademliaBoard;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.Transcripts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signaling while a third party who can reach the DHT stores what it likes under the session's keys: the
 * peers still meet, in one JVM over real DHT nodes and real WebRTC.
 */
class SignalingUnderAttackTest {
    private static RtcFactory rtc;
    private static ScheduledExecutorService timer;
    private KademliaNode server;
    private final List<KademliaNode> nodes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startWebRtc() {
        rtc = new RtcFactory();
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopWebRtc() {
        timer.shutdownNow();
        rtc.close();
    }

    @BeforeEach
    void startDht() throws Exception {
        server = KademliaNode.start(KademliaConfig.builder().threadName("attack-dht").build());
        nodes.add(server);
    }

    @AfterEach
    void stopDht() {
        nodes.forEach(KademliaNode::close);
    }

    private static SignalingOptions options(int slots, String greeting) {
        return new SignalingOptions(slots, "chat", greeting, List.of(), IceTransport.ALL, Duration.ofSeconds(30),
                Duration.ofSeconds(20), new Network.Pace(Duration.ofSeconds(30), Duration.ofMillis(25),
                Duration.ofMillis(200), Duration.ofSeconds(10)));
    }

    /** The sealed session's board through a client of its own that joins {@code via}, as a peer program has. */
    private SignalBoard join(KademliaNode via, SharedSecret secret) {
        KademliaNetwork network = KademliaNetwork.join(new KademliaNetwork.Settings(via.localAddress(),
                Duration.ofSeconds(2), Duration.ofMillis(200), "webrtc-offer", "webrtc-answer"), "attack-client");
        nodes.add(network.node());
        return network.board(secret);
    }

    /** The session's board on the server node, for the keys and format a test plants values with. */
    private SignalBoard keys(SharedSecret secret) {
        return KademliaBoard.sealed(server, secret, "webrtc-offer", "webrtc-answer", "the test DHT");
    }

    @Test
    void junkClearedForgedAndStaleValuesInItsSlotDoNotMoveAnOfferer() {
        SharedSecret secret = SharedSecret.of(null, "a secret for the junk test");
        SignalBoard keys = keys(secret);
        int slots = 4;
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = new Offerer(options(slots, "Hello from Peer A!"), join(server, secret), true, rtc, timer,
                offererLines::add, Clock.systemUTC());
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        Await.until("the offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));
        int slot = -1;
        for (int i = 0; i < slots; i++) {
            if (server.localValue(keys.keyOf(BoardName.offer(i))).isPresent()) {
                slot = i;
            }
        }
        NodeId offerKey = keys.keyOf(BoardName.offer(slot));
        Optional<DhtValue> genuine = server.localValue(offerKey);

        // What anyone who sees the key can store there; one store of each used to push the offerer on a slot.
        Instant now = Instant.now();
        SignalMessage live = new SignalMessage(SessionDescription.offer("v=0\r\nforged"), "00".repeat(16), now, now.plusSeconds(60));
        SignalMessage expired = new SignalMessage(SessionDescription.offer("v=0\r\nold"), "01".repeat(16),
                now.minusSeconds(600), now.minusSeconds(540));
        List<DhtValue> junk = List.of(
                DhtValue.text("junk"),
                DhtValue.text(""),
                new SealedFormat(SharedSecret.of(null, "not the secret"), new JsonContent()).encodeOffer(live, offerKey).value(),
                keys.format().encodeOffer(expired, offerKey).value());  // a stale offer of this very session
        for (DhtValue value : junk) {
            Await.result("storing junk", server.putDigest(offerKey, value));
            Await.until("the offerer to store its offer again in slot " + slot, Duration.ofSeconds(30),
                    () -> server.localValue(offerKey).equals(genuine));
        }
        assertTrue(offerer.refusals().stream().anyMatch(r -> r.contains("does not open") && r.contains("keeping our slot")),
                offerer.refusals().toString());
        assertTrue(offerer.refusals().stream().anyMatch(r -> r.contains("expired") && r.contains("keeping our slot")),
                offerer.refusals().toString());

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = new Answerer(options(slots, "Hello from Peer B!"), join(server, secret), rtc, timer,
                Clock.systemUTC());
        Answerer.PendingOffer pending = answerer.nextOffer(Duration.ofSeconds(30));
        assertEquals(slot, pending.slot(), "the offer is still in the slot it took");
        Connection answering = answerer.answer(pending, answererLines::add);
        Connection connection = Await.result("the offerer connecting", offered);
        assertEquals(Transcripts.OFFERER, offererLines);
        assertEquals(Transcripts.ANSWERER_AFTER_WAITING, answererLines);
        connection.close();
        answering.close();
    }

    /**
     * Offers in every slot that say they expire in the year 3000: written by anyone who has the secret (or, in
     * plain mode, anyone at all), they used to count as live for as long as the DHT kept them (a week), so
     * no offerer found a free slot and answerers answered them.
     */
    @Test
    void offersThatClaimToExpireInTheYear3000HoldNoSlotAndAreNotAnswered() {
        Instant now = Instant.now();
        Instant year3000 = Instant.parse("3000-01-01T00:00:00Z");
        int slots = 4;
        for (SharedSecret secret : java.util.Arrays.asList(SharedSecret.of(null, "a secret its holder abuses"), null)) {
            SignalBoard keys = secret == null ? KademliaBoard.plain(server, "webrtc-offer", "webrtc-answer", "the test DHT")
                    : keys(secret);
            for (int slot = 0; slot < slots; slot++) {
                SignalMessage forever = new SignalMessage(SessionDescription.offer("v=0\r\nsquatting"), OfferIds.next(), now, year3000);
                NodeId key = keys.keyOf(BoardName.offer(slot));
                Await.result("storing a year-3000 offer in slot " + slot,
                        server.putDigest(key, keys.format().encodeOffer(forever, key).value()));
            }
            List<String> offererLines = new CopyOnWriteArrayList<>();
            Offerer offerer = new Offerer(options(slots, "Hello from Peer A!"), join(server, secret), true, rtc, timer,
                    offererLines::add, Clock.systemUTC());
            CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);

            List<String> answererLines = new CopyOnWriteArrayList<>();
            Answerer answerer = new Answerer(options(slots, "Hello from Peer B!"), join(server, secret), rtc, timer,
                    Clock.systemUTC());
            Answerer.PendingOffer pending = answerer.nextOffer(Duration.ofSeconds(30));
            assertTrue(!pending.offer().message().description().sdp().contains("squatting"), "the answerer took a squatting offer");
            Connection answering = answerer.answer(pending, answererLines::add);
            Connection connection = Await.result("the offerer connecting (" + (keys.sealed() ? "sealed" : "plain") + ")", offered);
            assertEquals(Transcripts.OFFERER, offererLines);
            assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("claims to live")), answerer.refusals().toString());
            connection.close();
            answering.close();
        }
    }

    @Test
    void nodesThatAnswerJunkForEveryKeyCannotHideTheGenuineValuesHeldByHonestOnes() throws Exception {
        TestNetwork honest = TestNetwork.of(2, 8);
        nodes.addAll(honest.nodes());
        // Three nodes that accept every store and answer every lookup with the same junk: the most common
        // value under every key, so a lookup that trusts the majority sees only junk.
        for (int i = 0; i < 3; i++) {
            KademliaConfig config = honest.baseConfig().threadName("junk-dht").build();
            KademliaNode sybil = KademliaNode.start(config, new MemoryValueStore(config.storage()) {
                @Override
                public Optional<DhtValue> get(NodeId key, Instant now) {
                    return Optional.of(DhtValue.bytes("WDS2junk junk junk junk junk junk junk junk".getBytes(
                            java.nio.charset.StandardCharsets.US_ASCII)));
                }
            });
            nodes.add(sybil);
            Await.result("a junk node joining", sybil.bootstrap(List.of(honest.node(0).localAddress())));
        }
        SharedSecret secret = SharedSecret.of(null, "a secret for the sybil test");
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = new Offerer(options(2, "Hello from Peer A!"), join(honest.node(0), secret), true, rtc, timer,
                offererLines::add, Clock.systemUTC());
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = new Answerer(options(2, "Hello from Peer B!"), join(honest.node(1), secret), rtc, timer,
                Clock.systemUTC());
        Connection answering = answerer.answer(answerer.nextOffer(Duration.ofSeconds(30)), answererLines::add);
        Connection connection = Await.result("the offerer connecting", offered);
        assertEquals(Transcripts.OFFERER, offererLines);
        assertEquals(Transcripts.ANSWERER_AFTER_WAITING, answererLines);
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("not a sealed value")), answerer.refusals().toString());
        connection.close();
        answering.close();
    }
}
