package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.ManualClock;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ValueTooLargeException;
import dev.dhtsignal.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Whole networks of real nodes on loopback. */
class DhtNetworkTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void twoNodesStoreAndFindEachOthersValues() throws Exception {
        try (TestNetwork net = TestNetwork.of(2, 1)) {
            KademliaNode a = net.node(0);
            KademliaNode b = net.node(1);
            Await.until("both nodes to know each other", LIMIT,
                    () -> a.contacts().size() == 1 && b.contacts().size() == 1);
            PutOutcome put = Await.result("put on a", a.put("webrtc-offer", DhtValue.text("hello")));
            assertTrue(put.copies() >= 1);
            assertEquals(Optional.of(DhtValue.text("hello")), Await.result("get on b", b.get("webrtc-offer")));
            assertEquals(Optional.empty(), Await.result("get of a missing key", b.get("nothing-here")));

            // Last write wins, across both nodes.
            Await.result("overwrite on b", b.put("webrtc-offer", DhtValue.integer(42)));
            assertEquals(Optional.of(DhtValue.integer(42)), Await.result("get on a", a.get("webrtc-offer")));
            assertEquals(Optional.of(DhtValue.integer(42)), Await.result("get on b", b.get("webrtc-offer")));
        }
    }

    @Test
    void allFiveValueTypesRoundTrip() throws Exception {
        try (TestNetwork net = TestNetwork.of(3, 2)) {
            List<DhtValue> values = List.of(DhtValue.text("text ✓"), DhtValue.bytes(new byte[] {0, 1, 2, (byte) 255}),
                    DhtValue.integer(-7), DhtValue.floating(2.5), DhtValue.bool(true));
            for (int i = 0; i < values.size(); i++) {
                Await.result("put " + i, net.node(0).put("key-" + i, values.get(i)));
            }
            for (int i = 0; i < values.size(); i++) {
                assertEquals(Optional.of(values.get(i)), Await.result("get " + i, net.node(2).get("key-" + i)));
            }
        }
    }

    @Test
    void twentyNodesEveryValueFoundFromEveryNode() throws Exception {
        try (TestNetwork net = TestNetwork.of(20, 3, b -> b.k(5))) {
            for (int i = 0; i < 10; i++) {
                KademliaNode writer = net.node(net.random().nextInt(20));
                Await.result("put " + i, writer.put("key-" + i, DhtValue.text("value-" + i)));
            }
            for (KademliaNode reader : net.nodes()) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(Optional.of(DhtValue.text("value-" + i)),
                            Await.result("get key-" + i + " from " + reader.localAddress(), reader.get("key-" + i)));
                }
            }
        }
    }

    @Test
    void twoHundredNodesValuePutOnOneIsFoundFromEveryOther() throws Exception {
        try (TestNetwork net = TestNetwork.of(200, 4, b -> b.rpcTimeoutFloor(Duration.ofSeconds(1)))) {
            KademliaNode writer = net.node(17);
            PutOutcome put = Await.result("put", writer.put("webrtc-offer", DhtValue.text("sdp")));
            assertEquals(20, put.copies(), "a put reaches the k closest nodes");
            List<CompletableFuture<Optional<DhtValue>>> gets = new ArrayList<>();
            for (KademliaNode reader : net.nodes()) {
                if (reader != writer) {
                    gets.add(reader.get("webrtc-offer"));
                }
            }
            for (int i = 0; i < gets.size(); i++) {
                assertEquals(Optional.of(DhtValue.text("sdp")), Await.result("get #" + i, LIMIT, gets.get(i)));
            }
        }
    }

    @Test
    void lateJoinerReceivesTheKeysItIsClosestTo() throws Exception {
        int k = 5;
        try (TestNetwork net = TestNetwork.of(20, 5, b -> b.k(k))) {
            List<NodeId> keys = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                NodeId key = NodeId.digestOf("late-" + i);
                keys.add(key);
                Await.result("put " + i, net.node(i % 20).putDigest(key, DhtValue.integer(i)));
            }
            KademliaNode late = net.addNode();
            List<NodeId> all = net.nodes().stream().map(KademliaNode::id).toList();
            List<NodeId> mine = keys.stream()
                    .filter(key -> all.stream().min(key.byDistance()).orElseThrow().equals(late.id()))
                    .toList();
            assertFalse(mine.isEmpty(), "the seed gives the late joiner some keys to be closest to");
            Await.until("the late joiner to hold the " + mine.size() + " keys it is closest to", LIMIT,
                    () -> mine.stream().allMatch(key -> late.localValue(key).isPresent()));
        }
    }

    @Test
    void nodesThatStopAnsweringAreDroppedAndLookupsStillSucceed() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestNetwork net = TestNetwork.of(20, 6, b -> b.k(5).clock(clock))) {
            for (int i = 0; i < 30; i++) {
                Await.result("put " + i, net.node(i % 20).put("key-" + i, DhtValue.integer(i)));
            }
            List<KademliaNode> stopped = List.of(net.node(3), net.node(7), net.node(11));
            stopped.forEach(KademliaNode::close);
            List<InetSocketAddress> dead = stopped.stream().map(KademliaNode::localAddress).toList();

            for (KademliaNode reader : net.live()) {
                for (int i = 0; i < 30; i++) {
                    assertEquals(Optional.of(DhtValue.integer(i)),
                            Await.result("get key-" + i + " with 3 nodes gone", reader.get("key-" + i)));
                }
            }
            // Contacts silent for a while are questioned; the dead ones fail twice in a row and leave every table.
            for (int round = 0; round < dev.dhtsignal.dht.routing.RoutingTable.MAX_FAILURES; round++) {
                clock.advance(Duration.ofMinutes(11));
                net.live().forEach(n -> n.maintain(clock.instant()));
                Await.until("the questions of round " + round + " to be answered or time out", LIMIT,
                        () -> net.live().stream().allMatch(n -> n.stats().rpcsInFlight() == 0));
            }
            assertTrue(net.live().stream().flatMap(n -> n.contacts().stream()).noneMatch(c -> dead.contains(c.address())),
                    "every live node dropped the stopped ones");
            assertTrue(net.live().stream().allMatch(n -> n.contacts().size() > 0));
        }
    }

    @Test
    void valuesExpireAfterTheirLifetimeOnNodesThatKeepRunning() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestNetwork net = TestNetwork.of(4, 7, b -> b.clock(clock).ttl(Duration.ofHours(3)))) {
            PutOutcome put = Await.result("put", net.node(0).put("short-lived", DhtValue.text("v")));
            assertEquals(4, put.copies());
            NodeId key = NodeId.digestOf("short-lived");
            // Each node's own maintenance, hourly, with its hourly republish storing every copy again.
            // Read each node's own copy: a network get could cache the value somewhere afresh.
            for (int hour = 1; hour <= 6; hour++) {
                clock.advance(Duration.ofHours(1));
                ValueLifetimeTest.maintainAll(net, clock);
                for (KademliaNode n : net.nodes()) {
                    assertEquals(hour < 3 ? Optional.of(DhtValue.text("v")) : Optional.empty(), n.localValue(key),
                            "hour " + hour + " on " + n.localAddress());
                    assertEquals(hour < 3 ? 1 : 0, n.stats().storedKeys(), "hour " + hour + " on " + n.localAddress());
                }
            }
            assertEquals(Optional.empty(), Await.result("get after expiry", net.node(3).get("short-lived")));
        }
    }

    @Test
    void aNodeThatJoinsIsHandedTheValuesItIsNowAmongTheClosestTo() throws Exception {
        // A small k, so that the newcomer is among the k closest of some keys only.
        try (TestNetwork net = TestNetwork.of(6, 12, b -> b.k(3))) {
            List<NodeId> keys = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Await.result("put " + i, net.node(i % 6).put("welcome-" + i, DhtValue.integer(i)));
                keys.add(NodeId.digestOf("welcome-" + i));
            }
            KademliaNode newcomer = net.addNode();
            // The keys for which the newcomer is now among the 3 closest of the 7 nodes.
            List<NodeId> ids = net.nodes().stream().map(KademliaNode::id).toList();
            List<NodeId> its = keys.stream().filter(key -> ids.stream()
                    .filter(other -> key.closerTo(other, newcomer.id())).count() < 3).toList();
            assertFalse(its.isEmpty(), "the seed gives the newcomer some keys");
            assertTrue(its.size() < keys.size(), "and not all");
            Await.until("the newcomer to be handed its " + its.size() + " values", LIMIT,
                    () -> its.stream().allMatch(key -> newcomer.localValue(key).isPresent()));
        }
    }

    @Test
    void valuesHeldOverAnHourAreRepublishedToTheClosestNodes() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestNetwork net = TestNetwork.of(6, 8, b -> b.clock(clock));
             RawUdpPeer raw = new RawUdpPeer()) {
            KademliaNode holder = net.node(2);
            NodeId key = NodeId.digestOf("republish-me");
            // A bare store straight to one node: nobody else has the value.
            byte[] reply = raw.call(WireCodec.encodeRequest(MessageId.random(new Random(1)),
                    new RpcRequest.Store(NodeId.random(new Random(2)), key, DhtValue.text("kept"))), holder.localAddress());
            Datagram.Response response = (Datagram.Response) WireCodec.decode(reply);
            assertEquals(new RpcResponse.StoreReply(true), WireCodec.decodeResponse(RpcKind.STORE, response.body()));
            long holders = net.nodes().stream().filter(n -> n.localValue(key).isPresent()).count();
            assertEquals(1, holders);

            clock.advance(Duration.ofMinutes(59));
            assertEquals(0, Await.result("republish before an hour", holder.republish(clock.instant())));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, Await.result("republish after an hour", holder.republish(clock.instant())));
            assertTrue(net.nodes().stream().allMatch(n -> n.localValue(key).isPresent()),
                    "with k=20 every one of the 6 nodes now holds the value");
        }
    }

    @Test
    void clientOnlyNodesUseTheDhtButNeverBecomeContacts() throws Exception {
        try (TestNetwork net = TestNetwork.of(5, 9)) {
            KademliaNode client = KademliaNode.start(net.baseConfig().clientOnly(true).rpcTimeout(Duration.ofMillis(500))
                    .rpcTimeoutFloor(Duration.ofMillis(100)).build());
            try {
                Await.result("client bootstrap", client.bootstrap(List.of(net.node(0).localAddress())));
                Await.result("client put", client.put("from-client", DhtValue.text("c")));
                assertEquals(Optional.of(DhtValue.text("c")), Await.result("server get", net.node(4).get("from-client")));
                assertEquals(0, client.stats().storedKeys(), "a client keeps no values");
                // Servers tried to verify the client; it did not answer, so it is in nobody's table.
                Await.until("servers to give up verifying the client", LIMIT,
                        () -> net.nodes().stream().allMatch(n -> n.stats().rpcsInFlight() == 0));
                assertTrue(net.nodes().stream().flatMap(n -> n.contacts().stream())
                        .noneMatch(c -> c.id().equals(client.id())));
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aThousandShortLivedClientsLeaveNothingBehindThatSlowsTheNextOne() throws Exception {
        try (TestNetwork net = TestNetwork.of(3, 12)) {
            KademliaNode server = net.node(0);
            for (int i = 0; i < 1000; i++) {
                try (KademliaNode client = KademliaNode.start(net.baseConfig().clientOnly(true).threadName("churn").build())) {
                    Await.result("client " + i + " joining", client.bootstrap(List.of(server.localAddress())));
                    if (i % 10 == 0) {
                        Await.result("client " + i + " storing", client.put("churn-" + i, DhtValue.integer(i)));
                    }
                }
            }
            // The servers never made the clients contacts, so they hand out only each other.
            for (KademliaNode n : net.nodes()) {
                assertEquals(2, n.contacts().size(), "contacts of " + n.localAddress());
            }
            try (KademliaNode fresh = KademliaNode.start(net.baseConfig().clientOnly(true).build())) {
                Await.result("fresh client joining", fresh.bootstrap(List.of(server.localAddress())));
                for (int i = 0; i < 1000; i += 10) {
                    assertEquals(Optional.of(DhtValue.integer(i)), Await.result("get", fresh.get("churn-" + i)));
                }
                assertEquals(0, fresh.stats().rpcTimeouts(), "no request of the fresh client waited on a dead peer");
            }
        }
    }

    @Test
    void bootstrapReportsAddressesThatDoNotAnswer() throws Exception {
        try (TestNetwork net = TestNetwork.of(1, 10); RawUdpPeer silent = new RawUdpPeer()) {
            KademliaNode joiner = KademliaNode.start(net.baseConfig().rpcTimeout(Duration.ofMillis(300))
                    .rpcTimeoutFloor(Duration.ofMillis(100)).build());
            try {
                BootstrapResult r = Await.result("bootstrap",
                        joiner.bootstrap(List.of(net.node(0).localAddress(), silent.address())));
                assertEquals(List.of(net.node(0).localAddress()),
                        r.reached().stream().map(Contact::address).collect(Collectors.toList()));
                assertEquals(List.of(silent.address()), r.unanswered());
            } finally {
                joiner.close();
            }
        }
    }

    @Test
    void oversizedValuesAreRefusedWithAClearError() throws Exception {
        try (TestNetwork net = TestNetwork.of(2, 11)) {
            byte[] big = new byte[9000];
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> net.node(0).put("big", DhtValue.bytes(big)).get());
            assertInstanceOf(ValueTooLargeException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("at most"), e.getCause().getMessage());
        }
    }

    @Test
    void aClientWithNobodyToAskFailsClearly() throws Exception {
        try (KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> client.get("anything").join());
            assertTrue(e.getCause().getMessage().contains("bootstrap first"), e.getCause().getMessage());
        }
    }

    @Test
    void verifyingNewcomersDoesNotMakeNodesPingEachOtherForEver() throws Exception {
        // k = 1 and ids in opposite halves: x1 and y2 each already hold a contact in the bucket the other
        // falls in, so each can only keep the other in a replacement cache. A verification answered by a
        // verification would bounce between them without end.
        List<KademliaNode> nodes = new ArrayList<>();
        try {
            for (String first : List.of("00", "40", "80", "c0")) {
                nodes.add(KademliaNode.start(KademliaConfig.builder().k(1).threadName("storm")
                        .nodeId(NodeId.fromHex(first + "00".repeat(19))).build()));
            }
            KademliaNode x1 = nodes.get(0);
            KademliaNode x2 = nodes.get(1);
            KademliaNode y1 = nodes.get(2);
            KademliaNode y2 = nodes.get(3);
            Await.result("x1 joining through y1", x1.bootstrap(List.of(y1.localAddress())));
            Await.result("y2 joining through x2", y2.bootstrap(List.of(x2.localAddress())));
            Await.until("all to be quiet", LIMIT, () -> nodes.stream().allMatch(n -> n.stats().rpcsInFlight() == 0));
            long before = nodes.stream().mapToLong(n -> n.stats().requestsServed()).sum();

            Await.result("x1 pinging y2", x1.ping(y2.localAddress()));
            Await.until("all to be quiet again", LIMIT, () -> nodes.stream().allMatch(n -> n.stats().rpcsInFlight() == 0));
            long served = nodes.stream().mapToLong(n -> n.stats().requestsServed()).sum() - before;
            assertTrue(served < 10, served + " requests served for one ping");
            // Quiet for good: while 100 pings go to x1 one after another, nothing else is served anywhere.
            long quiet = nodes.stream().mapToLong(n -> n.stats().requestsServed()).sum();
            try (RawUdpPeer peer = new RawUdpPeer()) {
                Random ids = new Random(5);
                for (int i = 0; i < 100; i++) {
                    peer.call(WireCodec.encodeRequest(MessageId.random(ids), new RpcRequest.Ping(x1.id())),
                            x1.localAddress());
                }
            }
            assertEquals(100, nodes.stream().mapToLong(n -> n.stats().requestsServed()).sum() - quiet,
                    "requests served while only our 100 pings were sent");
        } finally {
            nodes.forEach(KademliaNode::close);
        }
    }

    @Test
    void idsOrderAsUnsignedNumbersConsistentlyWithEquals() {
        NodeId small = NodeId.fromHex("00".repeat(19) + "01");
        NodeId big = NodeId.fromHex("ff" + "00".repeat(19));
        assertTrue(small.compareTo(big) < 0 && big.compareTo(small) > 0);
        assertEquals(0, NodeId.fromHex("ff" + "00".repeat(19)).compareTo(big));
    }

    static Comparator<KademliaNode> byDistanceTo(NodeId key) {
        return (a, b) -> key.compareDistances(a.id(), b.id());
    }
}
