package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests whose source may be spoofed: the node must not send an unverified source more than it was
 * sent, or it would multiply an attacker's traffic towards whoever the source address names. A
 * {@link RawUdpPeer} plays that source: it sends requests and never answers the node's pings.
 */
class SpoofedTrafficTest {
    private static final int RESERVE = 4096;
    private static final Random RANDOM = new Random(44);
    private static TestNetwork network;
    private static KademliaNode node;

    @BeforeAll
    static void start() throws Exception {
        network = TestNetwork.of(21, 44);
        RateLimits limits = RateLimits.unlimited().withUnverifiedBudget(0, RESERVE).withVerifyPingsPerSecond(1);
        node = network.addNode(network.baseConfig().limits(limits).threadName("spoofed").build());
        Await.until("the node to know 20 contacts", Duration.ofSeconds(30), () -> node.contacts().size() >= 20);
    }

    @AfterAll
    static void stop() {
        network.close();
    }

    @Test
    void anUnverifiedSourceIsSentNoMoreThanItSentPlusTheReserve() throws Exception {
        NodeId bigKey = NodeId.random(RANDOM);
        try (RawUdpPeer owner = new RawUdpPeer()) {
            byte[] store = WireCodec.encodeRequest(MessageId.random(RANDOM),
                    new RpcRequest.Store(NodeId.random(RANDOM), bigKey, DhtValue.bytes(new byte[8000])));
            owner.call(store, node.localAddress());
        }
        try (RawUdpPeer spoofed = new RawUdpPeer()) {
            List<byte[]> requests = new ArrayList<>();
            NodeId sender = NodeId.random(RANDOM);
            for (int i = 0; i < 300; i++) {
                requests.add(WireCodec.encodeRequest(MessageId.random(RANDOM),
                        new RpcRequest.FindNode(sender, NodeId.random(RANDOM))));
            }
            for (int i = 0; i < 100; i++) {
                requests.add(WireCodec.encodeRequest(MessageId.random(RANDOM),
                        new RpcRequest.Store(sender, NodeId.random(RANDOM), DhtValue.bytes(new byte[200]))));
            }
            for (int i = 0; i < 50; i++) {
                requests.add(WireCodec.encodeRequest(MessageId.random(RANDOM), new RpcRequest.FindValue(sender, bigKey)));
            }
            NodeStats before = node.stats();
            // Read while sending: replies left waiting would overflow the socket's receive buffer.
            java.util.concurrent.LinkedBlockingQueue<byte[]> received = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try {
                    while (true) {
                        spoofed.receive(Duration.ofSeconds(3)).ifPresentOrElse(received::add, () -> {
                            throw new IllegalStateException("quiet");
                        });
                    }
                } catch (IllegalStateException | java.io.IOException quiet) {
                    // done: three seconds without a datagram
                }
            }, "spoofed-reader");
            reader.start();
            long in = 0;
            int sent = 0;
            for (byte[] r : requests) {
                spoofed.send(r, node.localAddress());
                in += r.length;
                if (++sent % 25 == 0) {
                    // Paced by the reader: a burst of replies larger than the socket's receive buffer would be
                    // lost on the way, and this test counts what arrives.
                    int expectedSoFar = sent;
                    Await.until("the reader to catch up", Duration.ofSeconds(30), () -> received.size()
                            + node.stats().dropped(DropReason.UNVERIFIED_BUDGET) - before.dropped(DropReason.UNVERIFIED_BUDGET)
                            >= expectedSoFar);
                }
            }
            Await.until("every request to be handled", Duration.ofSeconds(30),
                    () -> node.stats().requestsServed() - before.requestsServed() == requests.size());
            NodeStats after = node.stats();
            long notSent = after.dropped(DropReason.UNVERIFIED_BUDGET) - before.dropped(DropReason.UNVERIFIED_BUDGET);
            long expectedReplies = requests.size() - notSent;
            long replies = 0;
            long pings = 0;
            long out = 0;
            int largestContactList = 0;
            reader.join(60_000);  // ends three seconds after the last datagram
            while (!received.isEmpty()) {
                byte[] d = received.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                if (d == null) {
                    break;
                }
                out += d.length;
                if (WireCodec.decode(d) instanceof Datagram.Response r) {
                    replies++;
                    if (r.body().length > 100
                            && WireCodec.decodeResponse(RpcKind.FIND_NODE, r.body()) instanceof RpcResponse.Nodes n) {
                        largestContactList = Math.max(largestContactList, n.contacts().size());
                    }
                } else {
                    pings++;
                }
            }
            assertTrue(out <= in + RESERVE, "sent " + out + " bytes for " + in + " received (reserve " + RESERVE + ")");
            assertEquals(expectedReplies, replies, "every reply the node sent arrived");
            // A 77-byte request alone earns room for one contact; the reserve pays for long lists. (Not
            // exactly 20: on a loaded machine the node may have dropped a slow contact meanwhile.)
            assertTrue(largestContactList >= 10,
                    "while the reserve lasts, an unverified client gets long replies: at most " + largestContactList);
            assertTrue(pings <= 1 + 30, "verification pings are budgeted: " + pings);
            assertEquals(0, node.stats().handlerFailures());
        }
    }

    @Test
    void unknownSendersAreVerifiedWithinAPingBudget() throws Exception {
        List<RawUdpPeer> senders = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                senders.add(new RawUdpPeer());
            }
            long started = System.nanoTime();
            long pingsBefore = node.stats().rpcsSent();
            long servedBefore = node.stats().requestsServed();
            for (RawUdpPeer s : senders) {
                s.send(WireCodec.encodeRequest(MessageId.random(RANDOM),
                        new RpcRequest.FindNode(NodeId.random(RANDOM), NodeId.random(RANDOM))), node.localAddress());
            }
            // At least: the network's own nodes may ask this node something meanwhile (a refresh, a check),
            // which counts as served too; waiting for exactly 30 then never ends.
            Await.until("the 30 requests to be handled", Duration.ofSeconds(30),
                    () -> node.stats().requestsServed() - servedBefore >= senders.size());
            long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
            long pings = node.stats().rpcsSent() - pingsBefore;
            assertTrue(pings <= 1 + seconds, pings + " pings in about " + seconds + " s at 1/s");
        } finally {
            senders.forEach(RawUdpPeer::close);
        }
    }
}
