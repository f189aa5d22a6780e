package dev.dhtsignal.dht.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.kademlia.NodeStats;
import dev.dhtsignal.dht.mainline.Ed25519;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import dev.dhtsignal.testing.Await;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * STUN on the DHT nodes' own ports, both networks: a Binding request is answered with the address it came
 * from while the DHT goes on working on the same socket; clients and nodes with STUN turned off answer
 * none; the node's rate limits and its budget for unverified sources hold for STUN too.
 */
class StunOnNodesTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A plain UDP socket that sends STUN requests as any client would. */
    static final class StunClient implements AutoCloseable {
        final DatagramSocket socket;

        StunClient() throws IOException {
            socket = new DatagramSocket(LOOPBACK);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        void send(byte[] datagram, InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(datagram, datagram.length, to));
        }

        Optional<byte[]> receive(Duration limit) throws IOException {
            socket.setSoTimeout((int) limit.toMillis());
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                socket.receive(p);
                return Optional.of(Arrays.copyOf(p.getData(), p.getLength()));
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
        }

        /** Sends a Binding request and returns the decoded answer to it, or empty if none came. */
        Optional<StunMessage> ask(InetSocketAddress server, byte[] request, Duration limit) throws Exception {
            send(request, server);
            Optional<byte[]> reply = receive(limit);
            if (reply.isEmpty()) {
                return Optional.empty();
            }
            StunMessage m = StunCodec.decode(reply.get(), reply.get().length);
            assertArrayEquals(Arrays.copyOfRange(request, 8, 20), m.transactionId(), "the answer echoes the transaction id");
            return Optional.of(m);
        }

        InetSocketAddress mappedBy(InetSocketAddress server) throws Exception {
            StunMessage m = ask(server, StunCodec.bindingRequest(transactionId()), Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("no STUN answer from " + server));
            assertEquals(StunMessage.BINDING | StunMessage.SUCCESS_RESPONSE, m.type());
            assertTrue(m.fingerprinted());
            return StunCodec.mappedAddress(m);
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    static byte[] transactionId() {
        byte[] id = new byte[StunCodec.TRANSACTION_ID_BYTES];
        RANDOM.nextBytes(id);
        return id;
    }

    private static KademliaConfig.Builder kademlia() {
        return KademliaConfig.builder().bindAddress(LOOPBACK).threadName("stun-test");
    }

    @Test
    void aKademliaServerAnswersStunBesideItsDhtTraffic() throws Exception {
        try (KademliaNode server = KademliaNode.start(kademlia().build());
             KademliaNode client = KademliaNode.start(kademlia().clientOnly(true).build());
             StunClient stun = new StunClient()) {
            assertEquals(stun.address(), stun.mappedBy(server.localAddress()));
            client.bootstrap(List.of(server.localAddress())).get(30, TimeUnit.SECONDS);
            assertEquals(stun.address(), stun.mappedBy(server.localAddress()), "answered again among DHT requests");
            Await.result("put", client.put("key", DhtValue.text("value")));
            assertEquals(Optional.of(DhtValue.text("value")), Await.result("get", client.get("key")));
            assertEquals(stun.address(), stun.mappedBy(server.localAddress()));

            NodeStats stats = server.stats();
            assertEquals(3, stats.stun().answered());
            assertEquals(0, stats.stun().droppedTotal());
            assertEquals(0, stats.droppedTotal(), "no STUN datagram reached the DHT codec: " + stats.dropped());
            assertEquals(0, stats.handlerFailures());
        }
    }

    @Test
    void clientsAndNodesWithStunOffAnswerNoneAndTheDhtCodecDropsIt() throws Exception {
        try (KademliaNode off = KademliaNode.start(kademlia().answerStun(false).build());
             KademliaNode client = KademliaNode.start(kademlia().clientOnly(true).build());
             MainlineNode readOnly = MainlineNode.start(MainlineConfig.client(LOOPBACK).withThreadName("stun-ro"));
             MainlineNode mainlineOff = MainlineNode.start(MainlineConfig.server(LOOPBACK).withStun(false)
                     .withThreadName("stun-off"));
             StunClient stun = new StunClient()) {
            for (InetSocketAddress node : List.of(off.localAddress(), client.localAddress(), readOnly.localAddress(),
                    mainlineOff.localAddress())) {
                assertEquals(Optional.empty(), stun.ask(node, StunCodec.bindingRequest(transactionId()), Duration.ofMillis(500)),
                        "answered by " + node);
            }
            Await.until("the DHT codec to drop the request", Duration.ofSeconds(10),
                    () -> off.stats().droppedTotal() == 1);
            Await.until("the Mainline codec to drop the request", Duration.ofSeconds(10),
                    () -> mainlineOff.stats().malformed() == 1);
            assertEquals(StunStats.NONE, off.stats().stun());
        }
    }

    @Test
    void aMainlineNodeAnswersStunBesideItsDhtTraffic() throws Exception {
        try (MainlineNode server = MainlineNode.start(MainlineConfig.server(LOOPBACK).withThreadName("stun-ml"));
             MainlineNode peer = MainlineNode.start(MainlineConfig.client(LOOPBACK).withThreadName("stun-ml-peer"));
             StunClient stun = new StunClient()) {
            assertEquals(stun.address(), stun.mappedBy(server.localAddress()));
            assertEquals(1, peer.bootstrap(List.of(server.localAddress())).get(30, TimeUnit.SECONDS));
            Ed25519.SigningKey key = Ed25519.generate();
            MutableItem item = MutableItem.sign(key, new byte[0], 1, "hello".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, peer.put(item, Optional.empty()).get(30, TimeUnit.SECONDS).stored());
            assertEquals(Optional.of(item), peer.get(item.target(), new byte[0]).get(30, TimeUnit.SECONDS).mutable());
            assertEquals(stun.address(), stun.mappedBy(server.localAddress()));
            assertEquals(2, server.stats().stun().answered());
            assertEquals(0, server.stats().malformed());
            assertEquals(0, server.stats().handlerFailures());
        }
    }

    @Test
    void anUnknownComprehensionRequiredAttributeGets420AndIndicationsNothing() throws Exception {
        try (KademliaNode server = KademliaNode.start(kademlia().build()); StunClient stun = new StunClient()) {
            byte[] tid = transactionId();
            // A Binding request with CHANGE-REQUEST (RFC 5780, comprehension-required; this server does not do it).
            byte[] request = java.nio.ByteBuffer.allocate(28).putShort((short) 0x0001).putShort((short) 8)
                    .putInt(StunCodec.MAGIC_COOKIE).put(tid).putShort((short) 0x0003).putShort((short) 4).putInt(0x06)
                    .array();
            StunMessage error = stun.ask(server.localAddress(), request, Duration.ofSeconds(10)).orElseThrow();
            assertEquals(StunMessage.ERROR_RESPONSE, error.messageClass());
            assertArrayEquals(new byte[] {0x00, 0x03}, error.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).orElseThrow().value());

            // A Binding indication: a keep-alive nobody answers.
            byte[] indication = StunCodec.encode(StunMessage.BINDING | StunMessage.INDICATION, transactionId(), List.of());
            assertEquals(Optional.empty(), stun.ask(server.localAddress(), indication, Duration.ofMillis(500)));
            byte[] bent = StunCodec.bindingRequest(transactionId());
            bent[25] ^= 1;  // FINGERPRINT no longer matches
            assertEquals(Optional.empty(), stun.ask(server.localAddress(), bent, Duration.ofMillis(500)));
            StunStats stats = server.stats().stun();
            assertEquals(1, stats.refused());
            assertEquals(1, stats.dropped(StunDrop.NOT_BINDING_REQUEST));
            assertEquals(1, stats.dropped(StunDrop.MALFORMED));
        }
    }

    @Test
    void stunRequestsCountAgainstTheNodesRateLimit() throws Exception {
        // 10 requests/s from one address, 2 at once: a burst of 40 gets a few answers, the rest are dropped.
        RateLimits limits = RateLimits.perSecond(10, 1000, 1000).withUnverifiedBudget(0, 0);
        try (KademliaNode server = KademliaNode.start(kademlia().limits(limits).build());
             MainlineNode mainline = MainlineNode.start(MainlineConfig.server(LOOPBACK).withRateLimits(limits)
                     .withThreadName("stun-ml-rate"));
             StunClient stun = new StunClient()) {
            for (InetSocketAddress node : List.of(server.localAddress(), mainline.localAddress())) {
                long started = System.nanoTime();
                for (int i = 0; i < 40; i++) {
                    stun.send(StunCodec.bindingRequest(transactionId()), node);
                }
                int answers = 0;
                while (stun.receive(Duration.ofMillis(500)).isPresent()) {
                    answers++;
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                assertTrue(answers >= 2 && answers <= 2 + 10 * seconds, answers + " answers in " + seconds + " s");
            }
            Await.until("drops counted", Duration.ofSeconds(10), () -> server.stats().stun().dropped(StunDrop.RATE_LIMITED)
                    + server.stats().stun().answered() == 40 && mainline.stats().stun().dropped(StunDrop.RATE_LIMITED)
                    + mainline.stats().stun().answered() == 40);
        }
    }

    @Test
    void anUnverifiedSourceGetsNoMoreBytesThanItSentPlusTheReserve() throws Exception {
        int reserve = 400;
        RateLimits budgetOnly = RateLimits.unlimited().withUnverifiedBudget(0, reserve);
        try (KademliaNode server = KademliaNode.start(kademlia().limits(budgetOnly).build());
             MainlineNode mainline = MainlineNode.start(MainlineConfig.server(LOOPBACK).withRateLimits(budgetOnly)
                     .withThreadName("stun-ml-budget"));
             KademliaNode unlimited = KademliaNode.start(kademlia().build());
             StunClient stun = new StunClient()) {
            // The smallest request there is: a bare 20-byte header, answered with 40 bytes.
            int requests = 200;
            for (InetSocketAddress node : List.of(server.localAddress(), mainline.localAddress(), unlimited.localAddress())) {
                long sent = 0;
                long received = 0;
                for (int i = 0; i < requests; i++) {
                    byte[] bare = Arrays.copyOf(StunCodec.bindingRequest(transactionId()), StunCodec.HEADER_BYTES);
                    bare[3] = 0;  // length 0: no FINGERPRINT
                    stun.send(bare, node);
                    sent += bare.length;
                    Optional<byte[]> reply = stun.receive(Duration.ofMillis(node == unlimited.localAddress() ? 5000 : 200));
                    received += reply.map(r -> r.length).orElse(0);
                }
                if (node == unlimited.localAddress()) {
                    assertEquals(2 * sent, received, "without a budget, twice the bytes come back");
                } else {
                    assertTrue(received <= sent + reserve, received + " bytes out for " + sent + " in");
                    assertTrue(received >= sent, "what the requests earned is spent: " + received + " for " + sent);
                }
            }
            assertTrue(server.stats().stun().dropped(StunDrop.UNVERIFIED_BUDGET) >= requests - (requests * 20 + reserve) / 40);
        }
    }
}
