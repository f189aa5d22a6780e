package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.JsonContent;
import dev.dhtsignal.signal.Reading;
import dev.dhtsignal.signal.SealedBox;
import dev.dhtsignal.signal.SealedFormat;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.KademliaBoard;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.Transcripts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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

/** The offerer and answerer flows in one JVM, against a DHT node in the same JVM, over real WebRTC. */
class SignalingFlowTest {
    static final List<String> OFFERER_LINES = Transcripts.OFFERER;
    static final List<String> ANSWERER_LINES = Transcripts.ANSWERER_AFTER_WAITING;

    private static RtcFactory rtc;
    private static ScheduledExecutorService timer;
    private KademliaNode server;
    /** Every value stored on the server, in order: what an eavesdropper on the DHT records. */
    private final List<Map.Entry<NodeId, DhtValue>> recorded = new CopyOnWriteArrayList<>();
    private final List<KademliaNetwork> clients = new CopyOnWriteArrayList<>();

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
        KademliaConfig config = KademliaConfig.builder().threadName("flow-dht").build();
        server = KademliaNode.start(config, new MemoryValueStore(config.storage()) {
            @Override
            public CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
                recorded.add(Map.entry(key, value));
                return super.store(key, value, source, now);
            }
        });
    }

    @AfterEach
    void stopDht() {
        clients.forEach(KademliaNetwork::close);
        server.close();
    }

    /** A session in these tests: its secret (none: plain, under the default key names) and its slots. */
    private record Session(SharedSecret secret, int slots, String offerName, String answerName) {
        static Session plain(int slots) {
            return plain("webrtc-offer", "webrtc-answer", slots);
        }

        static Session plain(String offerName, String answerName, int slots) {
            return new Session(null, slots, offerName, answerName);
        }

        static Session sealed(SharedSecret secret, int slots) {
            return new Session(secret, slots, "webrtc-offer", "webrtc-answer");
        }
    }

    private SignalingOptions options(Session session, String greeting, Duration timeout) {
        return new SignalingOptions(session.slots(), "chat", greeting, List.of(), IceTransport.ALL, timeout,
                Duration.ofSeconds(20), new Network.Pace(timeout, Duration.ofMillis(25), Duration.ofMillis(200),
                Duration.ofSeconds(10)));
    }

    /** The session's board through a client of its own, as a peer program has. */
    private SignalBoard join(Session session) {
        KademliaNetwork network = KademliaNetwork.join(new KademliaNetwork.Settings(server.localAddress(),
                Duration.ofSeconds(2), Duration.ofMillis(200), session.offerName(), session.answerName()), "flow-client");
        clients.add(network);
        return network.board(session.secret());
    }

    /** The session's board on the server node, for the keys and format a test plants values with. */
    private SignalBoard board(Session session) {
        return session.secret() == null ? KademliaBoard.plain(server, session.offerName(), session.answerName(), "the test DHT")
                : KademliaBoard.sealed(server, session.secret(), session.offerName(), session.answerName(), "the test DHT");
    }

    private NodeId keyOf(Session session, BoardName name) {
        return board(session).keyOf(name);
    }

    private Offerer offerer(Session session, SignalingOptions options, List<String> lines) {
        return new Offerer(options, join(session), session.secret() == null || session.secret().isReusable(), rtc, timer,
                lines::add, Clock.systemUTC());
    }

    private Answerer answerer(Session session, SignalingOptions options, Clock clock) {
        return new Answerer(options, join(session), rtc, timer, clock);
    }

    /** Runs one full round; returns the two transcripts. */
    private List<List<String>> round(Session session) {
        return round(session, answerer(session, options(session, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC()));
    }

    private List<List<String>> round(Session session, Answerer answerer) {
        List<String> offererLines = new CopyOnWriteArrayList<>();
        List<String> answererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(session, options(session, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> answered = CompletableFuture.supplyAsync(
                () -> answerer.answer(answerer.nextOffer(Duration.ofSeconds(30)), answererLines::add));
        Connection offered = offerer.connect();
        Connection answering = Await.result("the answerer's side", answered);
        offered.close();
        Await.result("the answerer to see the channel close", answering.channel().closed());
        answering.close();
        offerer.awaitClearing();
        return List.of(offererLines, answererLines);
    }

    /**
     * An offerer stopped while it waits clears its offer, and the offer stays cleared. The stop runs beside the
     * waiting thread, which used to find its slot empty right after the clearing, take that for someone
     * overwriting the offer, and store it again: the process then exited with its offer on the DHT, and the
     * next answerer answered a gone offerer (PeersAtTheEdgesIT's stopped offerer, 1 run in 20 here with the
     * machine busy).
     */
    @Test
    void aWithdrawnOfferStaysClearedWhileTheWaitingThreadRunsOn() {
        Session keys = Session.plain("withdrawn-offer", "withdrawn-answer", 1);
        List<String> lines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(keys, options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), lines);
        CompletableFuture<Connection> offering = CompletableFuture.supplyAsync(offerer::connect);
        Await.until("the offer to be published", Await.DEADLINE, () -> lines.contains("Waiting for Answer SDP in DHT..."));
        DhtValue published = server.localValue(keyOf(keys, BoardName.offer(0))).orElseThrow();
        offerer.withdraw();
        // Whichever comes first: the wait ends, seeing the withdrawal, or (as it did) the offer is stored again.
        Await.until("the wait to end, or the offer to be stored again", Await.DEADLINE,
                () -> offering.isDone() || server.localValue(keyOf(keys, BoardName.offer(0))).filter(published::equals).isPresent());
        assertTrue(server.localValue(keyOf(keys, BoardName.offer(0))).filter(published::equals).isEmpty(), "the gone offerer's offer is back");
        Throwable end = Await.failure("the offerer to stop", offering);
        assertTrue(end.getMessage().startsWith("stopped"), end.toString());
    }

    @Test
    void anOfferStartedBeforeTheNodesIceServersCameIsMadeAnewWithThem() {
        // The node's reply was lost and came again only after the offer had been started (PeerRuntime makes it
        // as soon as the servers settle): the offer published must be made with the servers that came.
        Session keys = Session.plain(1);
        java.util.concurrent.atomic.AtomicReference<List<dev.dhtsignal.rtc.IceServer>> servers =
                new java.util.concurrent.atomic.AtomicReference<>(List.of());
        SignalingOptions offering = options(keys, "Hello from Peer A!", Duration.ofSeconds(30)).withIceSource(servers::get);
        PreparedOffer early = PreparedOffer.start(rtc, offering);
        servers.set(List.of(dev.dhtsignal.rtc.IceServer.parse("stun:127.0.0.1:" + server.localAddress().getPort())));
        assertTrue(early.serversChanged(offering));
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = new Offerer(offering, join(keys), true, rtc, timer, offererLines::add, Clock.systemUTC());
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
        CompletableFuture<Connection> answered = CompletableFuture.supplyAsync(
                () -> answerer.answer(answerer.nextOffer(Duration.ofSeconds(30)), line -> { }));
        Connection offered = offerer.connect(early);
        Connection answering = Await.result("the answerer's side", answered);
        assertTrue(offered.peer() != early.peer(), "the offer was made anew");
        Await.failure("the early connection, closed", early.peer().connected());
        offered.close();
        answering.close();
        offerer.awaitClearing();
    }

    @Test
    void plainRoundPrintsTheOriginalLinesAndASecondRoundOnTheSameKeysWorks() {
        Session keys = Session.plain(4);
        for (int i = 0; i < 2; i++) {
            List<List<String>> lines = round(keys);
            assertEquals(OFFERER_LINES, lines.get(0), "offerer, round " + (i + 1));
            assertEquals(ANSWERER_LINES, lines.get(1), "answerer, round " + (i + 1));
        }
        // Used keys are cleared with the empty string the original peers read as "nothing there".
        assertEquals(Optional.of(DhtValue.text("")), server.localValue(NodeId.digestOf("webrtc-offer")));
        assertEquals(Optional.of(DhtValue.text("")), server.localValue(NodeId.digestOf("webrtc-answer")));
    }

    @Test
    void staleOffersAndAnswersLeftByEarlierRunsAreNeverUsed() {
        Session keys = Session.plain(1);
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(10));
        SignalMessage deadOffer = new SignalMessage(SessionDescription.offer("v=0\r\nstale"), "dd".repeat(16),
                longAgo, longAgo.plusSeconds(60));
        Await.result("planting a stale offer", server.put("webrtc-offer", DhtValue.text(deadOffer.toJson())));
        // An answer from an original answerer (no offer id) to some earlier offer.
        Await.result("planting a stale answer", server.put("webrtc-answer",
                DhtValue.text("{\"sdp\": \"v=0\\r\\nstale\", \"type\": \"answer\"}")));
        List<List<String>> lines = round(keys);
        assertEquals(OFFERER_LINES, lines.get(0));
        assertEquals(ANSWERER_LINES, lines.get(1));
    }

    @Test
    void aForgedAnswerIsReportedAndNeverApplied() throws Exception {
        SharedSecret secret = SharedSecret.of("FRGD-TEST-CODE", null);
        Session keys = Session.sealed(secret, 1);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(keys, options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        dev.dhtsignal.testing.Await.until("the offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));

        // A third party who can see the DHT key, but lacks the secret, stores its own answer there.
        SealedFormat forger = new SealedFormat(SharedSecret.of(null, "not the secret"), new JsonContent());
        SignalMessage evil = new SignalMessage(SessionDescription.answer("v=0\r\nforged"), "00".repeat(16), Instant.now(), null);
        DhtValue forged = forger.encodeAnswer(evil, keyOf(keys, BoardName.answer(0)), new SignalFormat.ReceivedOffer(evil,
                SharedSecret.of(null, "not the secret").sealKeys(SealedBox.newSalt())));
        Await.result("storing the forgery", server.putDigest(keyOf(keys, BoardName.answer(0)), forged));
        dev.dhtsignal.testing.Await.until("the offerer to report the forgery", Duration.ofSeconds(30),
                () -> offerer.refusals().stream().anyMatch(r -> r.contains("does not open")));

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
        Connection answering = answerer.answer(answerer.nextOffer(Duration.ofSeconds(30)), answererLines::add);
        // Had the forgery reached setRemoteDescription, applying the real answer would fail ("wrong state").
        Connection connection = Await.result("the offerer connecting to the real answerer", offered);
        assertEquals(OFFERER_LINES, offererLines);
        assertEquals(ANSWERER_LINES, answererLines);
        connection.close();
        answering.close();
    }

    @Test
    void theVeryBytesOfAnEarlierRoundReplayedWithinTheirLifetimeAreRefused() {
        SharedSecret secret = SharedSecret.of("RPLY-TEST-CODE", null);
        Session keys = Session.sealed(secret, 1);
        // One answerer through both rounds, as 'answerer --serve' is.
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
        round(keys, answerer);
        DhtValue offer = firstRecorded(keyOf(keys, BoardName.offer(0)));
        DhtValue answer = firstRecorded(keyOf(keys, BoardName.answer(0)));
        SignalMessage replayed = ((Reading.Accepted<SignalFormat.ReceivedOffer>) board(keys).format().readOffer(offer, keyOf(keys, BoardName.offer(0))))
                .message().message();
        assertTrue(replayed.notLiveBecause(Instant.now()) == null, "the recorded offer is still within its lifetime");

        // The recorded offer, stored again: the answerer that answered it does not answer it twice.
        Await.result("replaying the offer", server.putDigest(keyOf(keys, BoardName.offer(0)), offer));
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("no offer appeared"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("answered already")), answerer.refusals().toString());
        Await.result("clearing the slot", server.putDigest(keyOf(keys, BoardName.offer(0)), DhtValue.text("")));

        // The recorded answer, stored again while a new offerer waits: it answers another offer, so it is not applied.
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(keys, options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        Await.until("the new offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));
        Await.result("replaying the answer", server.putDigest(keyOf(keys, BoardName.answer(0)), answer));
        Await.until("the offerer to refuse the replayed answer", Duration.ofSeconds(30),
                () -> offerer.refusals().stream().anyMatch(r -> r.contains("does not open")));
        List<String> answererLines = new CopyOnWriteArrayList<>();
        Connection answering = answerer.answer(answerer.nextOffer(Duration.ofSeconds(30)), answererLines::add);
        Connection connection = Await.result("the offerer connecting to the genuine answer", offered);
        assertEquals(OFFERER_LINES, offererLines);
        assertEquals(ANSWERER_LINES, answererLines);
        connection.close();
        answering.close();
    }

    private DhtValue firstRecorded(NodeId key) {
        return recorded.stream().filter(e -> e.getKey().equals(key) && e.getValue().kind() == DhtValue.Kind.BYTES)
                .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new AssertionError("nothing sealed was stored under " + key));
    }

    @Test
    void anOfferPastItsExpiryIsRefused() {
        SharedSecret secret = SharedSecret.of("XPRD-TEST-CODE", null);
        Session keys = Session.sealed(secret, 1);
        SignalFormat.PublishedOffer recorded = board(keys).format().encodeOffer(new SignalMessage(SessionDescription.offer("v=0\r\nold"),
                "ee".repeat(16), Instant.now(), Instant.now().plusSeconds(60)), keyOf(keys, BoardName.offer(0)));
        Await.result("storing the offer", server.putDigest(keyOf(keys, BoardName.offer(0)), recorded.value()));
        Clock anHourLater = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(2)), anHourLater);
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("no offer appeared"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("expired")), answerer.refusals().toString());
    }

    @Test
    void aTamperedSealedOfferIsRefusedAndTheTimeoutSaysNoneOpened() {
        SharedSecret secret = SharedSecret.of("TMPR-TEST-CODE", null);
        Session keys = Session.sealed(secret, 1);
        SignalFormat.PublishedOffer offer = board(keys).format().encodeOffer(new SignalMessage(SessionDescription.offer("v=0\r\n"),
                "ff".repeat(16), Instant.now(), Instant.now().plusSeconds(60)), keyOf(keys, BoardName.offer(0)));
        byte[] bytes = offer.value().asBytes();
        bytes[40] ^= 0x01;
        Await.result("storing the tampered offer", server.putDigest(keyOf(keys, BoardName.offer(0)), DhtValue.bytes(bytes)));
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(2)), Clock.systemUTC());
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("none opened"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("does not open")), answerer.refusals().toString());
    }

    @Test
    void aSealedRoundWorksAndTheDhtSeesOnlyCiphertext() {
        SharedSecret secret = SharedSecret.of(null, "correct horse battery staple");
        Session keys = Session.sealed(secret, 2);
        List<List<String>> lines = round(keys);
        assertEquals(OFFERER_LINES, lines.get(0));
        assertEquals(ANSWERER_LINES, lines.get(1));
        assertTrue(server.localValue(NodeId.digestOf("webrtc-offer")).isEmpty(), "the plain key names are not used");
    }

    @Test
    void anOffererWhoseOfferIsReplacedByAnotherOfferersMovesToAnotherSlot() {
        Session keys = Session.plain(2);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(keys, options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        dev.dhtsignal.testing.Await.until("the offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));
        // A second offerer that read slot 0 as free at the same moment stores its offer there last.
        SignalMessage other = new SignalMessage(SessionDescription.offer("v=0\r\nother"), "0b".repeat(16),
                Instant.now(), Instant.now().plusSeconds(30));
        Await.result("the other offerer's store", server.putDigest(keyOf(keys, BoardName.offer(0)), DhtValue.text(other.toJson())));
        dev.dhtsignal.testing.Await.until("our offer to reappear in slot 1", Duration.ofSeconds(30),
                () -> server.localValue(keyOf(keys, BoardName.offer(1))).map(v -> v.asText().contains("\"offer\"")).orElse(false));

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = answerer(keys, options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
        // The answerer would take the other offer in slot 0 first; skip it, as if another answerer had.
        Answerer.PendingOffer first = answerer.nextOffer(Duration.ofSeconds(30));
        Answerer.PendingOffer ours = first.slot() == 1 ? first : answerer.nextOffer(Duration.ofSeconds(30));
        assertEquals(1, ours.slot());
        Connection answering = answerer.answer(ours, answererLines::add);
        Connection connection = Await.result("the offerer connecting from slot 1", offered);
        assertEquals(OFFERER_LINES, offererLines, "the transcript does not change when the offer moves");
        connection.close();
        answering.close();
    }
}
