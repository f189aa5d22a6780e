package dev.dhtsignal.dht.kademlia.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.StorageLimits;
import dev.dhtsignal.dht.kademlia.wire.CapturedVectors;
import dev.dhtsignal.dht.kademlia.wire.CapturedVectors.Captured;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replays the captured conversation of the three Python nodes A (aa.., port 18468), B (bb.., 18469)
 * and C (cc.., 18470) through our answering code: every response a node sent in the capture is the
 * response our RequestServer sends, byte for byte, given the same requests in the same order.
 */
class RequestServerVectorsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** One of the three captured nodes, as our code would run it. */
    private static final class Node {
        final NodeId id;
        final InetSocketAddress address;
        final RoutingTable routing;
        final RequestServer server;

        Node(String idByte, int port) {
            this.id = NodeId.fromHex(idByte.repeat(20));
            this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            this.routing = new RoutingTable(id, 20);
            this.server = new RequestServer(id, 20, routing, new MemoryValueStore(StorageLimits.defaults()), CLOCK,
                    new TrafficCounters());
        }

        /** As the original does on every request and reply: learn the other node. */
        void learn(Node other) {
            routing.seen(new Contact(other.id, other.address), CLOCK.instant());
        }
    }

    @Test
    void everyCapturedResponseIsWhatOurServerAnswers() throws Exception {
        Map<Integer, Node> byPort = new HashMap<>();
        for (Node n : new Node[] {new Node("aa", 18468), new Node("bb", 18469), new Node("cc", 18470)}) {
            byPort.put(n.address.getPort(), n);
        }
        Map<String, Node> byName = Map.of("A", byPort.get(18468), "B", byPort.get(18469), "C", byPort.get(18470));
        CapturedVectors vectors = CapturedVectors.load();
        int compared = 0;
        for (int i = 0; i < vectors.datagrams().size(); i++) {
            Captured c = vectors.datagrams().get(i);
            if (!c.isRequest()) {
                continue;
            }
            Node caller = byName.get(c.from().split(":")[0]);
            Captured reply = vectors.datagrams().get(i + 1);
            Node callee = byName.get(reply.from().split(":")[0]);
            Datagram.Request request = (Datagram.Request) WireCodec.decode(c.bytes());
            byte[] ours = WireCodec.encodeResponse(request.messageId(), callee.server.answer(request.request(), caller.address));
            assertArrayEquals(reply.bytes(), ours, "response #" + reply.index() + " of " + reply.from()
                    + " to " + request.request().kind().wireName() + " from " + c.from());
            compared++;
            callee.learn(caller);
            caller.learn(callee);
        }
        assertEquals(17, compared);
        assertTrue(byName.get("A").routing.contains(byName.get("C").id));
    }
}
