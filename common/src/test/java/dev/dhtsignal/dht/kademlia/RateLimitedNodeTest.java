package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A running node serves one source no faster than its limit, drops and counts the rest, and goes on. */
class RateLimitedNodeTest {
    @Test
    void requestsOverASourcesRateAreDroppedAndCounted() throws Exception {
        Random random = new Random(5);
        KademliaConfig config = KademliaConfig.builder().limits(RateLimits.perSecond(5, 0, 0)).threadName("limited").build();
        try (KademliaNode node = KademliaNode.start(config); RawUdpPeer peer = new RawUdpPeer()) {
            long started = System.nanoTime();
            int sent = 200;
            for (int i = 0; i < sent; i++) {
                peer.send(WireCodec.encodeRequest(MessageId.random(random), new RpcRequest.Ping(NodeId.random(random))),
                        node.localAddress());
            }
            Await.until("every ping to be served or dropped", Duration.ofSeconds(30),
                    () -> node.stats().requestsServed() + node.stats().dropped(DropReason.RATE_LIMITED) == sent);
            double seconds = (System.nanoTime() - started) / 1e9;
            long served = node.stats().requestsServed();
            // A burst of one (a quarter of a second's worth of 5/s, rounded down), then 5 per second.
            assertTrue(served >= 1 && served <= 1 + Math.ceil(5 * seconds),
                    served + " served in " + seconds + " s at 5/s");
            assertEquals(sent - served, node.stats().dropped(DropReason.RATE_LIMITED));
        }
    }
}
