package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.rpc.RpcTimeoutException;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How a node gets over lost datagrams, slow contacts and the loss of every contact: retransmission,
 * late replies, and rejoining through the addresses it first joined through.
 */
class RecoveryTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private static KademliaConfig.Builder quick() {
        return KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .rpcTimeout(Duration.ofMillis(300))
                .rpcTimeoutFloor(Duration.ofMillis(300))
                .threadName("test-recovery");
    }

    @Test
    void aRequestWhoseReplyIsLostIsSentOnceMoreWithTheSameIdAndTheCallSucceeds() throws Exception {
        NodeId peerId = NodeId.random(new Random(3));
        try (KademliaNode node = KademliaNode.start(quick().build());
             RawUdpPeer peer = new RawUdpPeer()) {
            CompletableFuture<NodeId> ping = node.ping(peer.address());
            byte[] first = peer.receive(LIMIT).orElseThrow(() -> new AssertionError("no ping arrived"));
            // The first copy goes unanswered, as if its reply had been lost.
            byte[] second = peer.receive(LIMIT).orElseThrow(() -> new AssertionError("the ping was not sent again"));
            assertArrayEquals(first, second, "the same datagram, message id included");
            Datagram.Request request = (Datagram.Request) WireCodec.decode(second);
            peer.send(WireCodec.encodeResponse(request.messageId(), new RpcResponse.PingReply(peerId)), node.localAddress());
            assertEquals(peerId, Await.result("ping", LIMIT, ping));
        }
    }

    @Test
    void aContactThatNeverAnswersFailsAfterTwoTransmissionsAndNoMore() throws Exception {
        try (KademliaNode node = KademliaNode.start(quick().build());
             RawUdpPeer silent = new RawUdpPeer()) {
            Throwable failure = Await.failure("ping to a silent peer", node.ping(silent.address()));
            assertInstanceOf(RpcTimeoutException.class, failure);
            assertTrue(failure.getMessage().contains("sent 2 times"), failure.getMessage());
            assertTrue(silent.receive(LIMIT).isPresent());
            assertTrue(silent.receive(LIMIT).isPresent());
            assertEquals(Optional.empty(), silent.receive(Duration.ofMillis(300)).map(b -> "a third copy"));
        }
    }

    @Test
    void aLateReplyLiftsTheQuarantineSoLookupsAskTheSlowContactAgain() throws Exception {
        NodeId slowId = NodeId.random(new Random(4));
        try (KademliaNode server = KademliaNode.start(quick().build());
             KademliaNode client = KademliaNode.start(quick().clientOnly(true).build());
             RawUdpPeer slow = new RawUdpPeer()) {
            Await.result("join", LIMIT, client.bootstrap(List.of(server.localAddress())));
            // The slow contact joins the server as a node does, so the server hands it out in replies.
            slow.send(WireCodec.encodeRequest(MessageId.random(new Random(5)), new RpcRequest.FindNode(slowId, slowId)),
                    server.localAddress());
            answerPingsUntilKnown(slow, slowId, server);

            // A lookup is handed the slow contact by the server; it misses both transmissions of the
            // request, so the client quarantines it and the lookup ends without it ...
            CompletableFuture<List<DhtValue>> first = client.getAll("anything");
            Datagram.Request missed = nextRequest(slow, client);
            assertInstanceOf(RpcRequest.FindValue.class, missed.request());
            nextRequest(slow, client);
            assertEquals(List.of(), Await.result("lookup without the slow contact", LIMIT, first));
            // ... and then its reply arrives after all.
            slow.send(WireCodec.encodeResponse(missed.messageId(), new RpcResponse.Nodes(List.of())), client.localAddress());
            Await.until("the late reply to be counted", LIMIT, () -> client.stats().lateReplies() == 1);

            // A quarantined contact would be skipped for a minute; a released one is asked at once.
            CompletableFuture<List<DhtValue>> second = client.getAll("anything");
            Datagram.Request asked = nextRequest(slow, client);
            assertInstanceOf(RpcRequest.FindValue.class, asked.request(), "the slow contact is asked again");
            slow.send(WireCodec.encodeResponse(asked.messageId(), new RpcResponse.Nodes(List.of())), client.localAddress());
            assertEquals(List.of(), Await.result("lookup", LIMIT, second));
        }
    }

    /** Answers the node's verification pings until the node lists {@code id} among its contacts. */
    private static void answerPingsUntilKnown(RawUdpPeer peer, NodeId id, KademliaNode node) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (node.contacts().stream().noneMatch(c -> c.id().equals(id))) {
            assertTrue(System.nanoTime() < deadline, "the node never took the peer as a contact");
            Optional<byte[]> datagram = peer.receive(Duration.ofMillis(100));
            if (datagram.isPresent() && WireCodec.decode(datagram.get()) instanceof Datagram.Request r
                    && r.request() instanceof RpcRequest.Ping) {
                peer.send(WireCodec.encodeResponse(r.messageId(), new RpcResponse.PingReply(id)), node.localAddress());
            }
        }
    }

    /** The next request that {@code from} sends the peer; anything else is skipped. */
    private static Datagram.Request nextRequest(RawUdpPeer peer, KademliaNode from) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<RawUdpPeer.Received> received = peer.receiveWithSource(Duration.ofMillis(100));
            if (received.isPresent() && received.get().from().getPort() == from.localAddress().getPort()
                    && WireCodec.decode(received.get().data()) instanceof Datagram.Request r) {
                return r;
            }
        }
        throw new AssertionError("no request from " + from.localAddress() + " reached the peer within " + LIMIT.toSeconds() + " s");
    }

    @Test
    void aClientWhoseContactsAllWentAwayJoinsAgainThroughItsBootstrapAddress() throws Exception {
        KademliaNode first = KademliaNode.start(quick().build());
        InetSocketAddress address = first.localAddress();
        try (KademliaNode client = KademliaNode.start(quick().clientOnly(true).build())) {
            Await.result("join", LIMIT, client.bootstrap(List.of(address)));
            first.close();
            // Every contact fails: the client is left with an empty routing table.
            Await.failure("get while the only node is gone", client.get("key"));
            Await.until("the dead contact to be dropped", LIMIT, () -> client.contacts().isEmpty());

            // A node comes back at the address the client joined through (a restarted dht-server).
            try (KademliaNode restarted = KademliaNode.start(quick().bindAddress(address).build())) {
                Await.result("put on the restarted node", LIMIT, restarted.put("key", DhtValue.text("back")));
                assertEquals(Optional.of(DhtValue.text("back")), Await.result("get after rejoining", LIMIT, client.get("key")));
                assertEquals(List.of(restarted.id()), client.contacts().stream().map(Contact::id).toList());
            }
        }
    }
}
