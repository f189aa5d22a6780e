package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtConfig;
import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.SessionDescription;
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
    private DhtNode server;
    /** Every value stored on the server, in order: what an eavesdropper on the DHT records. */
    private final List<Map.Entry<NodeId, DhtValue>> recorded = new CopyOnWriteArrayList<>();
    private final List<DhtNode> clients = new CopyOnWriteArrayList<>();

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
        DhtConfig config = DhtConfig.builder().threadName("flow-dht").build();
        server = DhtNode.start(config, new MemoryValueStore(config.storage()) {
            @Override
            public CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
                recorded.add(Map.entry(key, value));
                return super.store(key, value, source, now);
            }
        });
    }

    @AfterEach
    void stopDht() {
        clients.forEach(DhtNode::close);
        server.close();
    }

    private SignalingOptions options(Rendezvous rendezvous, String greeting, Duration timeout) {
        return new SignalingOptions(server.localAddress(), rendezvous, "chat", greeting, List.of(), timeout,
                Duration.ofSeconds(20), Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    private DhtNode join(SignalingOptions options) {
        DhtNode node = DhtAccess.join(options, "flow-client");
        clients.add(node);
        return node;
    }

    private Offerer offerer(SignalingOptions options, List<String> lines) {
        return new Offerer(options, join(options), rtc, timer, lines::add, Clock.systemUTC());
    }

    private Answerer answerer(SignalingOptions options, Clock clock) {
        return new Answerer(options, join(options), rtc, timer, clock);
    }

    /** Runs one full round; returns the two transcripts. */
    private List<List<String>> round(Rendezvous rendezvous) {
        return round(rendezvous, answerer(options(rendezvous, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC()));
    }

    private List<List<String>> round(Rendezvous rendezvous, Answerer answerer) {
        List<String> offererLines = new CopyOnWriteArrayList<>();
        List<String> answererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(options(rendezvous, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
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
        Rendezvous keys = Rendezvous.plain("withdrawn-offer", "withdrawn-answer", 1);
        List<String> lines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), lines);
        CompletableFuture<Connection> offering = CompletableFuture.supplyAsync(offerer::connect);
        Await.until("the offer to be published", Await.DEADLINE, () -> lines.contains("Waiting for Answer SDP in DHT..."));
        DhtValue published = server.localValue(keys.offerKey(0)).orElseThrow();
        offerer.withdraw();
        // Whichever comes first: the wait ends, seeing the withdrawal, or (as it did) the offer is stored again.
        Await.until("the wait to end, or the offer to be stored again", Await.DEADLINE,
                () -> offering.isDone() || server.localValue(keys.offerKey(0)).filter(published::equals).isPresent());
        assertTrue(server.localValue(keys.offerKey(0)).filter(published::equals).isEmpty(), "the gone offerer's offer is back");
        Throwable end = Await.failure("the offerer to stop", offering);
        assertTrue(end.getMessage().startsWith("stopped"), end.toString());
    }

    @Test
    void plainRoundPrintsTheOriginalLinesAndASecondRoundOnTheSameKeysWorks() {
        Rendezvous keys = Rendezvous.plain("webrtc-offer", "webrtc-answer", 4);
        for (int i = 0; i < 2; i++) {
            List<List<String>> lines = round(keys);
            assertEquals(OFFERER_LINES, lines.get(0), "offerer, round " + (i + 1));
            assertEquals(ANSWERER_LINES, lines.get(1), "answerer, round " + (i + 1));
        }
        // Used keys are cleared with the empty string the original peers read as "nothing there".
        assertEquals(Optional.of(SignalFormat.CLEARED), server.localValue(NodeId.digestOf("webrtc-offer")));
        assertEquals(Optional.of(SignalFormat.CLEARED), server.localValue(NodeId.digestOf("webrtc-answer")));
    }

    @Test
    void staleOffersAndAnswersLeftByEarlierRunsAreNeverUsed() {
        Rendezvous keys = Rendezvous.plain("webrtc-offer", "webrtc-answer", 1);
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
        Rendezvous keys = Rendezvous.sealed(secret, "webrtc-offer", "webrtc-answer", 1);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        dev.dhtsignal.testing.Await.until("the offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));

        // A third party who can see the DHT key, but lacks the secret, stores its own answer there.
        SealedFormat forger = new SealedFormat(SharedSecret.of(null, "not the secret"));
        SignalMessage evil = new SignalMessage(SessionDescription.answer("v=0\r\nforged"), "00".repeat(16), Instant.now(), null);
        DhtValue forged = forger.encodeAnswer(evil, keys.answerKey(0), new SignalFormat.ReceivedOffer(evil,
                SharedSecret.of(null, "not the secret").sealKeys(SealedBox.newSalt())));
        Await.result("storing the forgery", server.putDigest(keys.answerKey(0), forged));
        dev.dhtsignal.testing.Await.until("the offerer to report the forgery", Duration.ofSeconds(30),
                () -> offerer.refusals().stream().anyMatch(r -> r.contains("does not open")));

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = answerer(options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
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
        Rendezvous keys = Rendezvous.sealed(secret, "webrtc-offer", "webrtc-answer", 1);
        // One answerer through both rounds, as 'answerer --serve' is.
        Answerer answerer = answerer(options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
        round(keys, answerer);
        DhtValue offer = firstRecorded(keys.offerKey(0));
        DhtValue answer = firstRecorded(keys.answerKey(0));
        SignalMessage replayed = ((Reading.Accepted<SignalFormat.ReceivedOffer>) keys.format().readOffer(offer, keys.offerKey(0)))
                .message().message();
        assertTrue(replayed.notLiveBecause(Instant.now()) == null, "the recorded offer is still within its lifetime");

        // The recorded offer, stored again: the answerer that answered it does not answer it twice.
        Await.result("replaying the offer", server.putDigest(keys.offerKey(0), offer));
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("no offer appeared"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("answered already")), answerer.refusals().toString());
        Await.result("clearing the slot", server.putDigest(keys.offerKey(0), SignalFormat.CLEARED));

        // The recorded answer, stored again while a new offerer waits: it answers another offer, so it is not applied.
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        Await.until("the new offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));
        Await.result("replaying the answer", server.putDigest(keys.answerKey(0), answer));
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
        Rendezvous keys = Rendezvous.sealed(secret, "webrtc-offer", "webrtc-answer", 1);
        SignalFormat.PublishedOffer recorded = keys.format().encodeOffer(new SignalMessage(SessionDescription.offer("v=0\r\nold"),
                "ee".repeat(16), Instant.now(), Instant.now().plusSeconds(60)), keys.offerKey(0));
        Await.result("storing the offer", server.putDigest(keys.offerKey(0), recorded.value()));
        Clock anHourLater = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
        Answerer answerer = answerer(options(keys, "Hello from Peer B!", Duration.ofSeconds(2)), anHourLater);
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("no offer appeared"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("expired")), answerer.refusals().toString());
    }

    @Test
    void aTamperedSealedOfferIsRefusedAndTheTimeoutSaysNoneOpened() {
        SharedSecret secret = SharedSecret.of("TMPR-TEST-CODE", null);
        Rendezvous keys = Rendezvous.sealed(secret, "webrtc-offer", "webrtc-answer", 1);
        SignalFormat.PublishedOffer offer = keys.format().encodeOffer(new SignalMessage(SessionDescription.offer("v=0\r\n"),
                "ff".repeat(16), Instant.now(), Instant.now().plusSeconds(60)), keys.offerKey(0));
        byte[] bytes = offer.value().asBytes();
        bytes[40] ^= 0x01;
        Await.result("storing the tampered offer", server.putDigest(keys.offerKey(0), DhtValue.bytes(bytes)));
        Answerer answerer = answerer(options(keys, "Hello from Peer B!", Duration.ofSeconds(2)), Clock.systemUTC());
        SignalingException e = assertThrows(SignalingException.class, () -> answerer.nextOffer(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("none opened"), e.getMessage());
        assertTrue(answerer.refusals().stream().anyMatch(r -> r.contains("does not open")), answerer.refusals().toString());
    }

    @Test
    void aSealedRoundWorksAndTheDhtSeesOnlyCiphertext() {
        SharedSecret secret = SharedSecret.of(null, "correct horse battery staple");
        Rendezvous keys = Rendezvous.sealed(secret, "webrtc-offer", "webrtc-answer", 2);
        List<List<String>> lines = round(keys);
        assertEquals(OFFERER_LINES, lines.get(0));
        assertEquals(ANSWERER_LINES, lines.get(1));
        assertTrue(server.localValue(NodeId.digestOf("webrtc-offer")).isEmpty(), "the plain key names are not used");
    }

    @Test
    void anOffererWhoseOfferIsReplacedByAnotherOfferersMovesToAnotherSlot() {
        Rendezvous keys = Rendezvous.plain("webrtc-offer", "webrtc-answer", 2);
        List<String> offererLines = new CopyOnWriteArrayList<>();
        Offerer offerer = offerer(options(keys, "Hello from Peer A!", Duration.ofSeconds(30)), offererLines);
        CompletableFuture<Connection> offered = CompletableFuture.supplyAsync(offerer::connect);
        dev.dhtsignal.testing.Await.until("the offer to be published", Duration.ofSeconds(30),
                () -> offererLines.contains("Waiting for Answer SDP in DHT..."));
        // A second offerer that read slot 0 as free at the same moment stores its offer there last.
        SignalMessage other = new SignalMessage(SessionDescription.offer("v=0\r\nother"), "0b".repeat(16),
                Instant.now(), Instant.now().plusSeconds(30));
        Await.result("the other offerer's store", server.putDigest(keys.offerKey(0), DhtValue.text(other.toJson())));
        dev.dhtsignal.testing.Await.until("our offer to reappear in slot 1", Duration.ofSeconds(30),
                () -> server.localValue(keys.offerKey(1)).map(v -> v.asText().contains("\"offer\"")).orElse(false));

        List<String> answererLines = new CopyOnWriteArrayList<>();
        Answerer answerer = answerer(options(keys, "Hello from Peer B!", Duration.ofSeconds(30)), Clock.systemUTC());
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
