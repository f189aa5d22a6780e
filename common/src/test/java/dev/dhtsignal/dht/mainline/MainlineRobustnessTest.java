package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.RateLimits;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guarantees of the original network's node, for the Mainline node: bad datagrams (random, truncated,
 * wrong types, mutated) are dropped and counted and never deafen it; floods over the rate limit are
 * dropped; hundreds of short-lived read-only peers leave no contact behind.
 */
class MainlineRobustnessTest {
    private final List<MainlineNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(MainlineNode::close);
    }

    private static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    private MainlineNode server(RateLimits limits) throws Exception {
        MainlineNode n = MainlineNode.start(MainlineConfig.server(loopback()).withRateLimits(limits).withThreadName("robust"));
        nodes.add(n);
        return n;
    }

    private MainlineNode client() throws Exception {
        MainlineNode n = MainlineNode.start(MainlineConfig.client(loopback()).withThreadName("robust-client"));
        nodes.add(n);
        return n;
    }

    private static byte[] query(String method, Map<String, Object> args) {
        Map<String, Object> a = new HashMap<>(args);
        a.put("id", new byte[20]);
        return KrpcCodec.encode(new KrpcMessage.Query("tt".getBytes(StandardCharsets.US_ASCII), method, new Dict(a), false));
    }

    private static void assertAnswersPings(MainlineNode server, MainlineNode client) throws Exception {
        KrpcMessage.Response pong = client.ping(server.localAddress()).get(30, TimeUnit.SECONDS);
        assertEquals(server.id(), pong.values().id("id"));
        assertEquals(0, server.stats().handlerFailures(), "no handler threw");
    }

    @Test
    void badDatagramsAreDroppedAndCountedAndTheNodeKeepsAnswering() throws Exception {
        MainlineNode server = server(RateLimits.unlimited());
        MainlineNode client = client();
        List<byte[]> bad = new ArrayList<>();
        Random random = new Random(13);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[random.nextInt(200) + 1];
            random.nextBytes(b);
            bad.add(b);
        }
        byte[] get = query("get", Map.of("target", new byte[20]));
        for (int n = 0; n < get.length; n++) {
            bad.add(java.util.Arrays.copyOf(get, n));   // every truncation
        }
        bad.add(query("find_node", Map.of("target", new byte[5])));                     // short target
        bad.add(query("get", Map.of("target", 7L)));                                   // wrong type
        bad.add(query("put", Map.of("token", new byte[8], "v", new byte[2000])));       // too big (and no valid token)
        bad.add(query("put", Map.of("token", new byte[8], "v", new byte[10], "k", new byte[32], "seq", 1L,
                "sig", new byte[64])));                                                  // bad token
        bad.add(("d1:ad2:id20:" + "x".repeat(20) + "e1:q4:ping1:t2:aa1:y1:q" + "l".repeat(60_000)).getBytes(StandardCharsets.ISO_8859_1));
        bad.add(("d1:t99999999999999999999:x1:y1:qe").getBytes(StandardCharsets.ISO_8859_1));
        // Mutations of valid queries: flipped bits, dropped and repeated bytes.
        List<byte[]> valid = List.of(get, query("ping", Map.of()), query("find_node", Map.of("target", new byte[20])),
                query("get_peers", Map.of("info_hash", new byte[20])), query("announce_peer", Map.of("info_hash", new byte[20],
                        "port", 6881L, "token", new byte[8])));
        for (int i = 0; i < 2000; i++) {
            byte[] v = valid.get(random.nextInt(valid.size())).clone();
            switch (random.nextInt(3)) {
                case 0 -> v[random.nextInt(v.length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> v = cut(v, random.nextInt(v.length));
                default -> v = repeat(v, random.nextInt(v.length));
            }
            bad.add(v);
        }
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            for (byte[] b : bad) {
                socket.send(new DatagramPacket(b, b.length, server.localAddress()));
            }
        }
        waitUntil(() -> server.stats().received() >= bad.size(), "every datagram read");
        assertTrue(server.stats().malformed() > 300, "dropped and counted: " + server.stats());
        assertAnswersPings(server, client);
    }

    private static byte[] cut(byte[] v, int at) {
        byte[] out = new byte[v.length - 1];
        System.arraycopy(v, 0, out, 0, at);
        System.arraycopy(v, at + 1, out, at, v.length - at - 1);
        return out;
    }

    private static byte[] repeat(byte[] v, int at) {
        byte[] out = new byte[v.length + 1];
        System.arraycopy(v, 0, out, 0, at + 1);
        System.arraycopy(v, at, out, at + 1, v.length - at);
        return out;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aClosedNodeLeavesNoThreadBehind() throws Exception {
        MainlineNode a = server(RateLimits.unlimited());
        MainlineNode b = MainlineNode.start(MainlineConfig.server(loopback()).withThreadName("lifecycle-b"));
        assertEquals(1, b.bootstrap(List.of(a.localAddress())).get(30, TimeUnit.SECONDS));
        b.put(new ImmutableItem("x".getBytes(StandardCharsets.US_ASCII))).get(30, TimeUnit.SECONDS);
        b.close();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("lifecycle-b") && t.isAlive(), "left running: " + t.getName());
        }
        assertTrue(b.ping(a.localAddress()).isCompletedExceptionally(), "a closed node sends nothing");
    }

    @Test
    void aFloodFromOneAddressIsCutToItsRateWhileOthersAreStillServed() throws Exception {
        MainlineNode server = server(new RateLimits(20, 20, 0, 0, 0, 1000, 0, 0, 0));
        MainlineNode client = client();
        byte[] ping = query("ping", Map.of());
        int sent = 2000;
        int answered = 0;
        long start = System.nanoTime();
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            for (int i = 0; i < sent; i++) {
                socket.send(new DatagramPacket(ping, ping.length, server.localAddress()));
            }
            socket.setSoTimeout(1000);
            byte[] buf = new byte[1500];
            try {
                while (true) {
                    socket.receive(new DatagramPacket(buf, buf.length));
                    answered++;
                }
            } catch (SocketTimeoutException e) {
                // no more replies
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(answered <= 20 + 20 * seconds + 1, answered + " replies in " + seconds + " s");
        assertTrue(server.stats().rateLimited() > 0);
        assertAnswersPings(server, client);
    }

    @Test
    void hundredsOfShortLivedReadOnlyPeersLeaveNoContactBehind() throws Exception {
        List<MainlineNode> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            servers.add(server(RateLimits.unlimited()));
        }
        for (int i = 1; i < 3; i++) {
            servers.get(i).bootstrap(List.of(servers.get(0).localAddress())).get(30, TimeUnit.SECONDS);
        }
        servers.get(0).bootstrap(List.of(servers.get(1).localAddress())).get(30, TimeUnit.SECONDS);
        MutableItem item = MutableItem.sign(Ed25519.generate(), new byte[0], 1, "x".getBytes(StandardCharsets.US_ASCII));
        Set<InetSocketAddress> peers = new HashSet<>();
        for (int round = 0; round < 300; round++) {
            try (MainlineNode peer = MainlineNode.start(MainlineConfig.client(loopback()).withThreadName("churn"))) {
                peers.add(peer.localAddress());
                assertEquals(1, peer.bootstrap(List.of(servers.get(round % 3).localAddress())).get(30, TimeUnit.SECONDS));
                if (round % 100 == 0) {
                    assertTrue(peer.put(item, Optional.empty()).get(30, TimeUnit.SECONDS).stored() > 0);
                }
            }
        }
        for (MainlineNode s : servers) {
            for (Contact c : s.contacts()) {
                assertFalse(peers.contains(c.address()), "a short-lived peer stayed a contact of " + s.localAddress());
            }
            assertEquals(2, s.contacts().size(), "only the other servers");
        }
        MainlineNode next = client();
        next.bootstrap(List.of(servers.get(2).localAddress())).get(30, TimeUnit.SECONDS);
        GetResult got = next.get(item.target(), new byte[0]).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(item), got.mutable());
        assertEquals(3, got.closest().size(), "asked only live servers: " + got.closest());
    }
}
