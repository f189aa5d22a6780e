package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.BadDatagrams;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A running node drops bad datagrams, counts each under its reason, and keeps answering. */
class NodeRobustnessTest {
    private static KademliaNode node;
    private static RawUdpPeer peer;
    private static final Random RANDOM = new Random(99);

    @BeforeAll
    static void start() throws Exception {
        node = KademliaNode.start(KademliaConfig.builder().threadName("robust").build());
        peer = new RawUdpPeer();
    }

    @AfterAll
    static void stop() {
        peer.close();
        node.close();
    }

    static Stream<BadDatagrams.Case> cases() {
        return BadDatagrams.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badDatagramIsDroppedAndCountedAndTheNodeKeepsAnswering(BadDatagrams.Case c) throws Exception {
        long before = node.stats().dropped(c.reason());
        peer.send(c.bytes(), node.localAddress());
        Await.until(c.reason() + " to be counted for '" + c.name() + "'", Duration.ofSeconds(10),
                () -> node.stats().dropped(c.reason()) == before + 1);
        assertNoReplyTo(c.bytes());
        assertPingAnswered();
        assertEquals(0, node.stats().handlerFailures());
    }

    @Test
    void responsesNobodyAskedForAreDroppedAndCounted() throws Exception {
        long before = node.stats().dropped(DropReason.UNEXPECTED_RESPONSE);
        byte[] stray = WireCodec.encodeResponse(MessageId.random(RANDOM), new RpcResponse.StoreReply(true));
        peer.send(stray, node.localAddress());
        Await.until("the stray response to be counted", Duration.ofSeconds(10),
                () -> node.stats().dropped(DropReason.UNEXPECTED_RESPONSE) == before + 1);
        assertPingAnswered();
    }

    @Test
    void storesOverTheValueLimitAreRefusedWithFalseAndCounted() throws Exception {
        long before = node.stats().dropped(DropReason.OVERSIZED);
        NodeId key = NodeId.digestOf("too-big");
        byte[] request = WireCodec.encodeRequest(MessageId.random(RANDOM),
                new RpcRequest.Store(NodeId.random(RANDOM), key, DhtValue.bytes(new byte[8120])));
        assertTrue(request.length - WireCodec.HEADER_LENGTH <= WireCodec.MAX_REQUEST_BODY);
        Datagram.Response reply = (Datagram.Response) WireCodec.decode(peer.call(request, node.localAddress()));
        assertEquals(new RpcResponse.StoreReply(false), WireCodec.decodeResponse(RpcKind.STORE, reply.body()));
        assertEquals(before + 1, node.stats().dropped(DropReason.OVERSIZED));
        assertTrue(node.localValue(key).isEmpty());
    }

    @Test
    void stunTellsTheCallerItsAddress() throws Exception {
        byte[] reply = peer.call(WireCodec.encodeRequest(MessageId.random(RANDOM), new RpcRequest.Stun()),
                node.localAddress());
        RpcResponse r = WireCodec.decodeResponse(RpcKind.STUN, ((Datagram.Response) WireCodec.decode(reply)).body());
        assertEquals(new RpcResponse.StunReply("127.0.0.1", peer.address().getPort()), r);
    }

    /** Nothing answers the bad datagram (the node may still send us its own requests, e.g. verification pings). */
    private static void assertNoReplyTo(byte[] bad) throws Exception {
        if (bad.length < WireCodec.HEADER_LENGTH) {
            return;
        }
        MessageId badId = MessageId.of(java.util.Arrays.copyOfRange(bad, 1, WireCodec.HEADER_LENGTH));
        long end = System.nanoTime() + Duration.ofMillis(50).toNanos();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            var got = peer.receive(Duration.ofNanos(left));
            if (got.isPresent()) {
                Datagram d = WireCodec.decode(got.get());
                assertTrue(!(d instanceof Datagram.Response) || !d.messageId().equals(badId),
                        "the node answered a datagram it should have dropped");
            }
        }
    }

    private static void assertPingAnswered() throws Exception {
        MessageId id = MessageId.random(RANDOM);
        byte[] reply = peer.call(WireCodec.encodeRequest(id, new RpcRequest.Ping(NodeId.random(RANDOM))),
                node.localAddress());
        // Skip any verification ping the node sent us meanwhile: we want the response to our id.
        Datagram d = WireCodec.decode(reply);
        while (!(d instanceof Datagram.Response) || !d.messageId().equals(id)) {
            d = WireCodec.decode(peer.receive(Duration.ofSeconds(5))
                    .orElseThrow(() -> new AssertionError("no ping reply after a bad datagram")));
        }
        RpcResponse r = WireCodec.decodeResponse(RpcKind.PING, ((Datagram.Response) d).body());
        assertEquals(new RpcResponse.PingReply(node.id()), r);
    }
}
