package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Where puts land: on every one of the k closest nodes that exist, checked by asking each node what it
 * holds itself, never through another lookup (which could cache a value where the put did not go).
 */
class ReplicationTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int K = 20;
    private static final int VALUES = 100;

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {5, 20, 50})
    void aBurstOfPutsFromAClientLandsOnEveryOneOfTheTrueClosestNodes(int size) throws Exception {
        try (TestNetwork net = TestNetwork.of(size, 1000 + size);
             KademliaNode client = clientOf(net)) {
            // All at once, as dht-cli and the signaling peers' first polls do: a burst that outruns the
            // round-trip times measured while joining.
            List<PutOutcome> outcomes = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<PutOutcome>> puts = new ArrayList<>();
            for (int i = 0; i < VALUES; i++) {
                puts.add(client.put("key-" + i, DhtValue.text("value-" + i)));
            }
            for (int i = 0; i < VALUES; i++) {
                outcomes.add(Await.result("put key-" + i, LIMIT, puts.get(i)));
            }

            int expectedCopies = Math.min(K, size);
            for (int i = 0; i < VALUES; i++) {
                NodeId key = NodeId.digestOf("key-" + i);
                List<KademliaNode> closest = net.nodes().stream()
                        .sorted((a, b) -> key.compareDistances(a.id(), b.id()))
                        .limit(expectedCopies)
                        .toList();
                List<String> missing = closest.stream()
                        .filter(n -> n.localValue(key).isEmpty())
                        .map(n -> n.id().shortHex())
                        .toList();
                assertTrue(missing.isEmpty(), "key-" + i + " is missing on " + missing.size() + " of the "
                        + expectedCopies + " closest nodes: " + missing);
                assertEquals(expectedCopies, outcomes.get(i).copies(), "copies reported for key-" + i);
                for (KademliaNode n : closest) {
                    assertEquals(Optional.of(DhtValue.text("value-" + i)), n.localValue(key));
                }
            }
        }
    }

    @Test
    void aLookupReturnsEveryDistinctValueSoJunkCannotHideTheGenuineOne() throws Exception {
        try (TestNetwork net = TestNetwork.of(5, 77);
             KademliaNode client = clientOf(net);
             RawUdpPeer liar = new RawUdpPeer()) {
            NodeId key = NodeId.digestOf("webrtc-offer");
            Await.result("put", LIMIT, client.put("webrtc-offer", DhtValue.text("genuine")));

            // One node is told junk for the key, as a node that answers junk would serve it.
            KademliaNode fooled = net.node(2);
            byte[] store = WireCodec.encodeRequest(MessageId.random(new Random(1)),
                    new RpcRequest.Store(NodeId.random(new Random(2)), key, DhtValue.text("junk")));
            liar.call(store, fooled.localAddress());
            assertEquals(Optional.of(DhtValue.text("junk")), fooled.localValue(key));

            List<DhtValue> all = Await.result("getAll", LIMIT, client.getAll("webrtc-offer"));
            assertEquals(List.of(DhtValue.text("genuine"), DhtValue.text("junk")), all,
                    "both values, the one most nodes hold first");
            assertEquals(Optional.of(DhtValue.text("genuine")), Await.result("get", LIMIT, client.get("webrtc-offer")),
                    "get picks the most common, as the original network does");
            // With two values there is no telling which is genuine, so neither is cached anywhere new.
            assertEquals(Optional.of(DhtValue.text("junk")), fooled.localValue(key));
            assertEquals(4, net.nodes().stream().filter(n -> n.localValue(key).equals(Optional.of(DhtValue.text("genuine"))))
                    .count(), "genuine value still on the four other nodes: "
                    + net.nodes().stream().map(n -> n.localValue(key).toString()).collect(Collectors.joining(", ")));
        }
    }

    /** A client-only node, as the signaling peers and dht-cli are, joined through the first node. */
    private static KademliaNode clientOf(TestNetwork net) throws Exception {
        KademliaNode client = KademliaNode.start(KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .clientOnly(true)
                .threadName("test-client")
                .build());
        Await.result("client joining", LIMIT, client.bootstrap(List.of(net.node(0).localAddress())));
        return client;
    }
}
