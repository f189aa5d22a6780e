package dev.dhtsignal.rtc;

import dev.dhtsignal.testing.Await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Two peers in this JVM, wired together through this layer over loopback (host candidates only). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RtcPeerTest {
    private RtcFactory factory;
    private final List<RtcPeer> peers = new ArrayList<>();

    @BeforeAll
    void startWebRtc() {
        factory = new RtcFactory();
    }

    @AfterEach
    void closePeers() {
        peers.forEach(RtcPeer::close);
        peers.clear();
    }

    @AfterAll
    void stopWebRtc() {
        factory.close();
    }

    @Test
    void peersConnectAndExchangeTextAndBinaryMessages() throws Exception {
        RtcPeer offerer = newPeer();
        RtcPeer answerer = newPeer();
        RtcDataChannel offererChannel = offerer.createDataChannel("chat");
        IllegalStateException early = assertThrows(IllegalStateException.class, () -> offererChannel.send("too early"));
        assertTrue(early.getMessage().contains("not open"), early.getMessage());

        SessionDescription offer = Await.result("offer", offerer.createOffer());
        assertEquals("offer", offer.type());
        assertTrue(offer.sdp().contains("a=candidate"), "offer should carry the gathered candidates:\n" + offer.sdp());
        SessionDescription answer = Await.result("answer", answerer.acceptOffer(offer));
        assertEquals("answer", answer.type());
        assertTrue(answer.sdp().contains("a=candidate"), "answer should carry the gathered candidates:\n" + answer.sdp());
        Await.result("offerer applying the answer", offerer.acceptAnswer(answer));

        Await.result("offerer connected", offerer.connected());
        Await.result("answerer connected", answerer.connected());
        RtcDataChannel answererChannel = Await.result("incoming data channel", answerer.incomingDataChannel());
        assertEquals("chat", answererChannel.label());
        Await.result("offerer's channel open", offererChannel.opened());
        Await.result("answerer's channel open", answererChannel.opened());

        BlockingQueue<ChannelMessage> atOfferer = new LinkedBlockingQueue<>();
        BlockingQueue<ChannelMessage> atAnswerer = new LinkedBlockingQueue<>();
        BlockingQueue<String> listenerThreads = new LinkedBlockingQueue<>();
        offererChannel.onMessage(atOfferer::add);
        answererChannel.onMessage(message -> {
            listenerThreads.add(Thread.currentThread().getName());
            atAnswerer.add(message);
        });

        offererChannel.send("hello from the offerer");
        ChannelMessage text = next(atAnswerer, "text message at the answerer");
        assertEquals("hello from the offerer", text.text());
        assertFalse(text.binary());
        assertTrue(listenerThreads.take().startsWith(factory + "-worker-"),
                "listeners must run on the factory's worker threads, not the native one");

        answererChannel.send("héllo back ✓");
        assertEquals("héllo back ✓", next(atOfferer, "text message at the offerer").text());

        offererChannel.send(new byte[] {0, 1, 2, (byte) 255});
        ChannelMessage small = next(atAnswerer, "small binary message");
        assertTrue(small.binary());
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, small.data());

        byte[] big = new byte[200 * 1024];
        new Random(42).nextBytes(big);
        offererChannel.send(big);
        assertArrayEquals(big, next(atAnswerer, "200 KiB binary message").data(), "200 KiB message corrupted");

        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> offererChannel.send(new byte[RtcDataChannel.MAX_MESSAGE_BYTES + 1]));
        assertTrue(tooBig.getMessage().contains("limit"), tooBig.getMessage());

        offerer.close();
        Await.result("answerer's channel closed after the offerer closed", answererChannel.closed());
        Await.result("offerer's own channel closed", offererChannel.closed());
        assertThrows(IllegalStateException.class, () -> offererChannel.send("after close"));
    }

    @Test
    void bulkSenderKeepsTheSendBufferBounded() throws Exception {
        Connection connection = connect();
        byte[] chunk = new byte[64 * 1024];
        int chunks = 128; // 8 MiB: more than an unthrottled sender could queue without trouble
        long expected = (long) chunks * chunk.length;
        AtomicLong received = new AtomicLong();
        CompletableFuture<Void> allReceived = new CompletableFuture<>();
        connection.answererChannel().onMessage(message -> {
            if (received.addAndGet(message.data().length) == expected) {
                allReceived.complete(null);
            }
        });

        long highWater = 512 * 1024;
        for (int i = 0; i < chunks; i++) {
            connection.offererChannel().awaitBufferedBelow(highWater, Await.DEADLINE);
            assertTrue(connection.offererChannel().bufferedAmount() <= highWater);
            connection.offererChannel().send(chunk);
        }
        connection.offererChannel().awaitBufferedBelow(0, Await.DEADLINE);
        assertEquals(0, connection.offererChannel().bufferedAmount());
        Await.result("all " + expected + " bytes at the answerer (got " + received + ")", allReceived);
    }

    @Test
    void bufferedSendsArriveIntactAndARecycledArrayCarriesTheNextMessage() throws Exception {
        Connection connection = connect();
        RtcDataChannel receiving = connection.answererChannel();
        BlockingQueue<ChannelMessage> contents = new LinkedBlockingQueue<>();
        Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        receiving.onMessage(message -> {
            ChannelMessage copy = new ChannelMessage(message.data().clone(), message.binary());
            arrays.add(message.data());
            receiving.recycle(message.data());  // after this the listener no longer touches it
            contents.add(copy);  // last: once the test sees the message, its array is back
        });

        // A direct buffer reused for every chunk, as the file sender sends: one message at a time, so
        // each arrives after the array of the one before was given back.
        Random random = new Random(7);
        ByteBuffer direct = ByteBuffer.allocateDirect(64 * 1024);
        for (int i = 0; i < 20; i++) {
            byte[] chunk = new byte[64 * 1024];
            random.nextBytes(chunk);
            direct.clear().put(chunk).flip();
            connection.offererChannel().send(direct);
            assertArrayEquals(chunk, next(contents, "chunk " + i).data(), "chunk " + i);
        }
        assertEquals(1, arrays.size(), "every chunk after the first reuses the recycled array");

        // A file's short last chunk is given back too; it must not stop the reuse for the chunks after it.
        byte[] shortChunk = new byte[100];
        random.nextBytes(shortChunk);
        connection.offererChannel().send(shortChunk);
        assertArrayEquals(shortChunk, next(contents, "a short chunk").data());
        for (int i = 0; i < 20; i++) {
            byte[] chunk = new byte[64 * 1024];
            random.nextBytes(chunk);
            direct.clear().put(chunk).flip();
            connection.offererChannel().send(direct);
            assertArrayEquals(chunk, next(contents, "chunk " + i + " after the short one").data(), "chunk " + i + " after the short one");
        }
        assertTrue(arrays.stream().filter(a -> a.length == 64 * 1024).count() <= 2,
                "after the short chunk, at most one new 64 KiB array; got "
                        + arrays.stream().filter(a -> a.length == 64 * 1024).count());

        // Other buffers go from their position to their limit.
        byte[] bytes = new byte[300];
        random.nextBytes(bytes);
        connection.offererChannel().send(ByteBuffer.wrap(bytes, 10, 100));
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 10, 110), next(contents, "a heap buffer's part").data());
        ByteBuffer part = ByteBuffer.allocateDirect(300).put(bytes).position(250);
        connection.offererChannel().send(part);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 250, 300), next(contents, "a direct buffer's part").data());
    }

    @Test
    void messagesSentBeforeTheListenerIsSetAreNotLost() {
        Connection connection = connect();
        connection.offererChannel().send("first");
        connection.offererChannel().send(new byte[] {42});
        connection.offererChannel().send("third");
        // Closing resets the stream only after the queued messages, so once the answerer sees
        // the close, all three have arrived, with nobody listening yet.
        connection.offererChannel().close();
        Await.result("answerer's channel closed", connection.answererChannel().closed());

        BlockingQueue<ChannelMessage> received = new LinkedBlockingQueue<>();
        connection.answererChannel().onMessage(received::add);
        assertEquals("first", next(received, "first buffered message").text());
        assertArrayEquals(new byte[] {42}, next(received, "second buffered message").data());
        assertEquals("third", next(received, "third buffered message").text());
    }

    @Test
    void aGracefulCloseDeliversEverythingSentBeforeIt() {
        Connection connection = connect();
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        connection.answererChannel().onMessage(m -> received.incrementAndGet());
        byte[] chunk = new byte[16 * 1024];
        for (int i = 0; i < 200; i++) {
            connection.offererChannel().send(chunk);
        }
        // Messages still queued in the sender's buffer must not be lost by closing right away. (A plain
        // close() with this much queued loses them, and the other side does not even see the close.)
        connection.offererChannel().closeGracefully(java.time.Duration.ofSeconds(10));
        Await.result("answerer's channel closed", connection.answererChannel().closed());
        dev.dhtsignal.testing.Await.until("all 200 messages counted", Await.DEADLINE, () -> received.get() == 200);
    }

    @Test
    void garbageAnswerFailsWithTheNativeError() {
        RtcPeer offerer = newPeer();
        offerer.createDataChannel("chat");
        Await.result("offer", offerer.createOffer());

        Throwable failure = Await.failure("garbage answer", offerer.acceptAnswer(SessionDescription.answer("garbage")));
        assertInstanceOf(RtcException.class, failure);
        assertTrue(failure.getMessage().contains("setRemoteDescription(answer) failed"), failure.getMessage());
        assertTrue(failure.getMessage().contains("Expect line: v="), "native parser text missing: " + failure.getMessage());
    }

    @Test
    void answerInTheWrongStateFailsWithTheNativeError() {
        RtcPeer offerer = newPeer();
        offerer.createDataChannel("chat");
        SessionDescription offer = Await.result("offer", offerer.createOffer());

        // A well-formed description that WebRTC rejects asynchronously: this fresh peer has no
        // offer outstanding, so it cannot take an answer.
        RtcPeer fresh = newPeer();
        Throwable failure = Await.failure("answer without an offer", fresh.acceptAnswer(SessionDescription.answer(offer.sdp())));
        assertInstanceOf(RtcException.class, failure);
        assertTrue(failure.getMessage().contains("setRemoteDescription(answer) failed"), failure.getMessage());
        assertTrue(failure.getMessage().contains("Called in wrong state"), "native text missing: " + failure.getMessage());
    }

    @Test
    void acceptOfferGivenAnAnswerFailsClearly() {
        RtcPeer peer = newPeer();
        Throwable failure = Await.failure("acceptOffer(answer)", peer.acceptOffer(SessionDescription.answer("v=0\r\n")));
        assertInstanceOf(IllegalArgumentException.class, failure);
        assertTrue(failure.getMessage().contains("acceptOffer needs an offer but was given an answer"),
                failure.getMessage());

        failure = Await.failure("acceptAnswer(offer)", peer.acceptAnswer(SessionDescription.offer("v=0\r\n")));
        assertInstanceOf(IllegalArgumentException.class, failure);
        assertTrue(failure.getMessage().contains("acceptAnswer needs an answer"), failure.getMessage());
    }

    @Test
    void aConnectedPeerSaysWhichCandidatePairCarriesTheData() {
        RtcPeer offerer = newPeer();
        RtcPeer answerer = newPeer();
        RtcDataChannel channel = offerer.createDataChannel("data");
        SessionDescription answer = Await.result("answer", answerer.acceptOffer(Await.result("offer", offerer.createOffer())));
        Await.result("offerer applying the answer", offerer.acceptAnswer(answer));
        Await.result("offerer's channel open", channel.opened());

        IcePath path = Await.result("the selected path", offerer.selectedPath());
        assertEquals("host", path.local().type(), path.toString());
        assertEquals("host", path.remote().type(), path.toString());
        assertEquals("udp", path.local().protocol(), path.toString());
        assertTrue(path.local().port() > 0 && path.remote().port() > 0, path.toString());
        assertEquals("direct", path.kind());
        assertEquals(List.of(), offerer.iceServerProblems());
    }

    @Test
    void aStunServerThatDoesNotAnswerDelaysTheOfferOnlyUntilTheLimitAndIsNamed() {
        // A STUN server on the discard port of this machine never answers; WebRTC alone would keep
        // gathering for its retransmission timeout (about 40 s).
        RtcConfig config = new RtcConfig(List.of(IceServer.parse("stun:127.0.0.1:9")), Duration.ofMillis(300));
        RtcPeer peer = factory.createPeer(config);
        peers.add(peer);
        peer.createDataChannel("chat");

        SessionDescription offer = Await.result("offer with an unanswering STUN server", peer.createOffer());
        assertTrue(offer.sdp().contains("a=candidate:") && offer.sdp().contains(" typ host"),
                "the offer goes out with the host candidates gathered so far:\n" + offer.sdp());
        List<String> problems = peer.iceServerProblems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("STUN server stun:127.0.0.1:9 did not answer within 300 ms"), problems.get(0));
    }

    private record Connection(RtcDataChannel offererChannel, RtcDataChannel answererChannel) {
    }

    private Connection connect() {
        RtcPeer offerer = newPeer();
        RtcPeer answerer = newPeer();
        RtcDataChannel offererChannel = offerer.createDataChannel("data");
        SessionDescription offer = Await.result("offer", offerer.createOffer());
        SessionDescription answer = Await.result("answer", answerer.acceptOffer(offer));
        Await.result("offerer applying the answer", offerer.acceptAnswer(answer));
        RtcDataChannel answererChannel = Await.result("incoming data channel", answerer.incomingDataChannel());
        Await.result("offerer's channel open", offererChannel.opened());
        Await.result("answerer's channel open", answererChannel.opened());
        return new Connection(offererChannel, answererChannel);
    }

    private RtcPeer newPeer() {
        RtcPeer peer = factory.createPeer(RtcConfig.defaults());
        peers.add(peer);
        return peer;
    }

    private static ChannelMessage next(BlockingQueue<ChannelMessage> queue, String what) {
        try {
            ChannelMessage message = queue.poll(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(message, "no " + what + " within " + Await.DEADLINE.toSeconds() + " s");
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
