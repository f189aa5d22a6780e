package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.ManualClock;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value's life on running nodes: counted from the first store of that value, not restarted by the
 * stores that republishing makes, ours or other nodes', and republish runs that never pile up.
 */
class ValueLifetimeTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration TTL = Duration.ofHours(3);

    /** One maintenance round on every live node at the clock's time, then waits for what it started. */
    static void maintainAll(TestNetwork net, ManualClock clock) {
        net.live().forEach(n -> n.maintain(clock.instant()));
        Await.until("republish runs to end and every reply to be in", LIMIT,
                () -> net.live().stream().allMatch(n -> !n.isRepublishing() && n.stats().rpcsInFlight() == 0));
    }

    @Test
    void twoNodesRepublishingToEachOtherLetAValueExpire() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestNetwork net = new TestNetwork(11, b -> b.clock(clock).ttl(TTL));
             RawUdpPeer writer = new RawUdpPeer()) {
            // a welcomes b by handing it what a holds, on a background thread, some time after b becomes a
            // contact. A probe value held before b joins shows when that hand-over is done, so that the
            // value under test, stored after it, is on a alone.
            KademliaNode a = net.addNode();
            NodeId probe = NodeId.digestOf("welcome-probe");
            assertEquals(Optional.of(true), writer.store(a.localAddress(), NodeId.random(new Random(6)), probe,
                    DhtValue.text("p"), LIMIT));
            KademliaNode b = net.addNode();
            Await.until("the two nodes to know each other and a to have welcomed b", LIMIT,
                    () -> a.contacts().size() == 1 && b.contacts().size() == 1 && b.localValue(probe).isPresent());
            NodeId key = NodeId.digestOf("ping-pong");
            DhtValue value = DhtValue.text("v");
            assertEquals(Optional.of(true), writer.store(a.localAddress(), NodeId.random(new Random(5)), key, value, LIMIT));
            assertTrue(b.localValue(key).isEmpty(), "a bare store reaches one node only");

            // Hour 1: a republishes its copy to b, whose copy is therefore an hour younger than a's.
            clock.advance(Duration.ofHours(1));
            maintainAll(net, clock);
            assertEquals(Optional.of(value), b.localValue(key));
            clock.advance(Duration.ofHours(1));
            maintainAll(net, clock);
            assertEquals(Optional.of(value), a.localValue(key));

            // Hour 3: a's copy is 3 hours old and goes; b republishes its own to a, which does not take it back.
            clock.advance(Duration.ofHours(1));
            maintainAll(net, clock);
            assertEquals(Optional.empty(), a.localValue(key), "hour 3: a's copy expired, and stays expired");
            assertEquals(Optional.of(value), b.localValue(key), "hour 3: b's copy has an hour left");

            for (int hour = 4; hour <= 8; hour++) {
                clock.advance(Duration.ofHours(1));
                maintainAll(net, clock);
                assertEquals(Optional.empty(), a.localValue(key), "hour " + hour + " on a");
                assertEquals(Optional.empty(), b.localValue(key), "hour " + hour + " on b");
            }
        }
    }

    @Test
    void aPeerStoringTheSameValueEveryHourDoesNotKeepItAlive() throws Exception {
        // What nodes of the original network do: they republish hourly what they hold, whatever its age.
        ManualClock clock = new ManualClock();
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().clock(clock).ttl(TTL).build());
             RawUdpPeer peer = new RawUdpPeer()) {
            NodeId sender = NodeId.random(new Random(7));
            NodeId key = NodeId.digestOf("pushed-again");
            DhtValue value = DhtValue.text("old news");
            assertEquals(Optional.of(true), peer.store(node.localAddress(), sender, key, value, LIMIT));
            for (int hour = 1; hour <= 6; hour++) {
                clock.advance(Duration.ofHours(1));
                node.maintain(clock.instant());
                boolean alive = hour < 3;
                assertEquals(Optional.of(alive), peer.store(node.localAddress(), sender, key, value, LIMIT),
                        "hour " + hour + ": the same value again is " + (alive ? "acknowledged" : "refused"));
                assertEquals(alive ? Optional.of(value) : Optional.empty(), node.localValue(key), "hour " + hour);
            }
            DhtValue fresh = DhtValue.text("news");
            assertEquals(Optional.of(true), peer.store(node.localAddress(), sender, key, fresh, LIMIT));
            assertEquals(Optional.of(fresh), node.localValue(key), "a new value under the key lives again");
        }
    }

    @Test
    void republishRunsNeverOverlapAndTheNextIsDueAnIntervalAfterOneEnds() throws Exception {
        ManualClock clock = new ManualClock();
        // One contact, a bare socket that answers only when the test says, so a run lasts as long as the
        // test wants. No pings of quiet contacts or bucket refreshes to muddle what the contact receives.
        KademliaConfig config = KademliaConfig.builder().clock(clock).rpcTimeout(Duration.ofSeconds(60))
                .rpcTimeoutFloor(Duration.ofSeconds(60)).contactQuietAfter(Duration.ofDays(30))
                .refreshInterval(Duration.ofDays(30)).build();
        try (KademliaNode node = KademliaNode.start(config);
             RawUdpPeer contact = new RawUdpPeer();
             RawUdpPeer writer = new RawUdpPeer()) {
            // The value is stored before the contact joins: a newcomer is handed the values it should hold
            // (here, with no other contact, every value), on a thread of its own, so storing after the join
            // would race that hand-over and its STORE could come at any point below.
            NodeId key = NodeId.digestOf("republished");
            assertEquals(Optional.of(true),
                    writer.store(node.localAddress(), NodeId.random(new Random(4)), key, DhtValue.text("v"), LIMIT));
            NodeId contactId = NodeId.random(new Random(3));
            var joined = node.bootstrap(List.of(contact.address()));
            Datagram.Request pingRequest = contact.nextRequest(LIMIT).orElseThrow();
            contact.send(WireCodec.encodeResponse(pingRequest.messageId(), new RpcResponse.PingReply(contactId)),
                    node.localAddress());
            // Then, in either order, the join's lookup and the hand-over of the value.
            java.util.Set<RpcKind> afterThePing = java.util.EnumSet.noneOf(RpcKind.class);
            for (int i = 0; i < 2; i++) {
                Datagram.Request r = contact.nextRequest(LIMIT).orElseThrow();
                afterThePing.add(r.request().kind());
                RpcResponse reply = r.request().kind() == RpcKind.STORE ? new RpcResponse.StoreReply(true)
                        : new RpcResponse.Nodes(List.of());
                contact.send(WireCodec.encodeResponse(r.messageId(), reply), node.localAddress());
            }
            assertEquals(java.util.EnumSet.of(RpcKind.FIND_NODE, RpcKind.STORE), afterThePing,
                    "the join's lookup, and the value handed to the newcomer");
            Await.result("bootstrap", joined);
            assertEquals(1, node.contacts().size());

            java.time.Instant start = clock.instant().plus(Duration.ofHours(1));
            node.maintain(start);
            Datagram.Request lookup = contact.nextRequest(LIMIT).orElseThrow();
            assertEquals(RpcKind.FIND_NODE, lookup.request().kind(), "the run starts with a lookup of the key");
            assertTrue(node.isRepublishing());

            node.maintain(start.plus(Duration.ofHours(2)));
            assertEquals(RpcKind.PING, probe(node, contact), "no second run while the first is under way");

            // The run ends 50 minutes later by the clock: the lookup is answered and the store acknowledged.
            clock.advance(Duration.ofMinutes(110));
            contact.send(WireCodec.encodeResponse(lookup.messageId(), new RpcResponse.Nodes(List.of())), node.localAddress());
            Datagram.Request store = contact.nextRequest(LIMIT).orElseThrow();
            assertEquals(RpcKind.STORE, store.request().kind());
            contact.send(WireCodec.encodeResponse(store.messageId(), new RpcResponse.StoreReply(true)), node.localAddress());
            Await.until("the run to end", LIMIT, () -> !node.isRepublishing());

            java.time.Instant ended = clock.instant();
            node.maintain(start.plus(Duration.ofHours(1)));
            assertEquals(RpcKind.PING, probe(node, contact), "an hour after the start is not an hour after the end");
            assertFalse(node.isRepublishing());
            node.maintain(ended.plus(Duration.ofHours(1)));
            assertEquals(RpcKind.FIND_NODE, contact.nextRequest(LIMIT).orElseThrow().request().kind(),
                    "an hour after the end, the next run starts");
        }
    }

    /**
     * Pings the contact and returns the kind of the first request it then receives: PING when the node sent
     * it nothing else first (a node sends in order from one socket, so what it sent before comes first).
     */
    private static RpcKind probe(KademliaNode node, RawUdpPeer contact) throws Exception {
        node.ping(contact.address());
        return contact.nextRequest(LIMIT).orElseThrow().request().kind();
    }
}
