package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BEP 32 on our Mainline nodes: IPv6 nodes travel in {@code nodes6}, so lookups over IPv6 find the nodes
 * closest to a key; a dual-stack node (bound to {@code ::}) gives each querier the lists it wants.
 */
class MainlineIpv6Test {
    private final List<MainlineNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (MainlineNode n : nodes) {
            assertEquals(0, n.stats().handlerFailures(), "no handler threw");
            n.close();
        }
    }

    private MainlineNode start(MainlineConfig config) throws Exception {
        MainlineNode n = MainlineNode.start(config.withThreadName("ml6-" + nodes.size()));
        nodes.add(n);
        return n;
    }

    private static InetSocketAddress at(String address) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), 0);
    }

    @Test
    void onAnIpv6NetworkAnItemIsStoredOnTheClosestNodesAndFound() throws Exception {
        for (int i = 0; i < 12; i++) {
            start(MainlineConfig.server(at("::1")));
        }
        InetSocketAddress first = nodes.get(0).localAddress();
        for (int i = 1; i < 12; i++) {
            assertEquals(1, nodes.get(i).bootstrap(List.of(first)).get(30, TimeUnit.SECONDS));
        }
        nodes.get(0).bootstrap(List.of(nodes.get(1).localAddress())).get(30, TimeUnit.SECONDS);
        // Peers join through one node each: every other node they learn of comes to them in nodes6.
        MainlineNode writer = start(MainlineConfig.client(at("::1")));
        MainlineNode reader = start(MainlineConfig.client(at("::1")));
        writer.bootstrap(List.of(nodes.get(3).localAddress())).get(30, TimeUnit.SECONDS);
        reader.bootstrap(List.of(nodes.get(7).localAddress())).get(30, TimeUnit.SECONDS);
        Ed25519.SigningKey key = Ed25519.generate();
        byte[] salt = "offer".getBytes(StandardCharsets.UTF_8);
        MutableItem item = MutableItem.sign(key, salt, 1, "over IPv6".getBytes(StandardCharsets.UTF_8));
        PutResult put = writer.put(item, Optional.empty()).get(30, TimeUnit.SECONDS);
        assertEquals(8, put.stored(), "stored on the k closest nodes: " + put);
        assertEquals(Optional.of(item), reader.get(item.target(), salt).get(30, TimeUnit.SECONDS).mutable());
    }

    @Test
    void aDualStackNodeListsEachFamilyWhereItBelongsAndAsAsked() throws Exception {
        MainlineNode hub = start(MainlineConfig.server(at("::")));
        int port = hub.localAddress().getPort();
        for (int i = 0; i < 3; i++) {
            start(MainlineConfig.server(at("127.0.0.1"))).bootstrap(List.of(new InetSocketAddress("127.0.0.1", port)))
                    .get(30, TimeUnit.SECONDS);
            start(MainlineConfig.server(at("::1"))).bootstrap(List.of(new InetSocketAddress("::1", port)))
                    .get(30, TimeUnit.SECONDS);
        }
        byte[] target = NodeId.random(new java.security.SecureRandom()).toBytes();
        try (RawKrpcPeer v4 = new RawKrpcPeer("127.0.0.1", new byte[20])) {
            InetSocketAddress hub4 = new InetSocketAddress("127.0.0.1", port);
            // Asked over IPv4 without want: IPv4 nodes only, in nodes.
            Dict plain = reply(v4, hub4, Map.of("target", target));
            assertFamily(CompactAddress.decodeNodes(plain.optBytes("nodes").orElseThrow(), 100), Inet4Address.class, 3);
            assertTrue(plain.optBytes("nodes6").isEmpty(), "no nodes6 unasked");
            // want n4 and n6: both lists.
            Dict both = reply(v4, hub4, Map.of("target", target, "want", List.of("n4".getBytes(), "n6".getBytes())));
            assertFamily(CompactAddress.decodeNodes(both.optBytes("nodes").orElseThrow(), 100), Inet4Address.class, 3);
            assertFamily(CompactAddress.decodeNodes6(both.optBytes("nodes6").orElseThrow(), 100), Inet6Address.class, 3);
        }
        // A dual-stack peer asks for both and reaches both.
        MainlineNode peer = start(MainlineConfig.client(at("::")));
        peer.bootstrap(List.of(new InetSocketAddress("::1", port))).get(30, TimeUnit.SECONDS);
        List<Contact> found = peer.findNode(NodeId.of(target)).get(30, TimeUnit.SECONDS);
        assertTrue(found.stream().anyMatch(c -> c.address().getAddress() instanceof Inet4Address)
                && found.stream().anyMatch(c -> c.address().getAddress() instanceof Inet6Address), found.toString());
    }

    @Test
    void nodes6IsReadAsIpv6NodesOnlyAndACutEntryIsIgnored() throws Exception {
        Contact six = new Contact(NodeId.random(new java.security.SecureRandom()), new InetSocketAddress("fdd5:4ea1:7f3e::7", 6881));
        Contact four = new Contact(NodeId.random(new java.security.SecureRandom()), new InetSocketAddress("198.18.0.7", 6881));
        byte[] encoded = CompactAddress.encodeNodes6(List.of(six, four));
        assertEquals(CompactAddress.NODE6_LENGTH, encoded.length, "an IPv4 contact has no place in nodes6");
        assertEquals(List.of(six), CompactAddress.decodeNodes6(encoded, 10));
        byte[] cut = java.util.Arrays.copyOf(encoded, encoded.length + 10);
        assertEquals(List.of(six), CompactAddress.decodeNodes6(cut, 10));
        // An IPv4-mapped address in nodes6 is a lie about the family: skipped.
        byte[] mapped = java.util.Arrays.copyOf(encoded, encoded.length);
        System.arraycopy(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 0, 7}, 0, mapped, 20, 16);
        assertEquals(List.of(), CompactAddress.decodeNodes6(mapped, 10));
    }

    private static Dict reply(RawKrpcPeer peer, InetSocketAddress to, Map<String, Object> arguments) throws Exception {
        peer.send(to, "find_node", arguments);
        KrpcMessage m = peer.receive(10_000).orElseThrow(() -> new AssertionError("no reply"));
        assertTrue(m instanceof KrpcMessage.Response, m.toString());
        return ((KrpcMessage.Response) m).values();
    }

    private static void assertFamily(List<Contact> contacts, Class<?> family, int expected) {
        assertEquals(expected, contacts.size(), contacts.toString());
        assertTrue(contacts.stream().allMatch(c -> family.isInstance(c.address().getAddress())), contacts.toString());
    }
}
