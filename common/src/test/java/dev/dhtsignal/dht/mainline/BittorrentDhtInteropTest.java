package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dhtsignal.testing.BittorrentDhtSwarm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Interoperability with bittorrent-dht, an independent Mainline DHT implementation, on loopback: first a
 * network made only of its nodes (our peers read and write through it), then the same network with full
 * nodes of ours joined in (its nodes store on ours and read from ours).
 *
 * <p>bittorrent-dht's defaults matter here: it would bootstrap from the public routers unless told
 * otherwise (the swarm script gives it loopback addresses only); it does not enforce BEP 42, and BEP 42
 * exempts loopback anyway; it adds every querier to its routing table, read-only (BEP 43) or not.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BittorrentDhtInteropTest {
    private static final HexFormat HEX = HexFormat.of();
    private static BittorrentDhtSwarm swarm;
    private static final List<MainlineNode> ours = new ArrayList<>();

    @BeforeAll
    static void startSwarm() throws Exception {
        swarm = BittorrentDhtSwarm.start(10, List.of());
    }

    @AfterAll
    static void stop() {
        for (MainlineNode n : ours) {
            assertEquals(0, n.stats().handlerFailures());
            n.close();
        }
        if (swarm != null) {
            swarm.close();
        }
    }

    private static MainlineNode start(MainlineConfig config) throws Exception {
        MainlineNode n = MainlineNode.start(config);
        ours.add(n);
        assertTrue(n.bootstrap(List.of(swarm.nodes().get(ours.size() % swarm.nodes().size())))
                .get(60, TimeUnit.SECONDS) > 0, "joined through a bittorrent-dht node");
        return n;
    }

    private static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode swarmPut(int node, byte[] seed, byte[] salt, long seq, byte[] value) throws Exception {
        JsonNode r = swarm.request(BittorrentDhtSwarm.op("put").put("node", node).put("seed", HEX.formatHex(seed))
                .put("salt", HEX.formatHex(salt)).put("seq", seq).put("v", HEX.formatHex(value)));
        assertTrue(r.path("ok").asBoolean(), r.toString());
        return r;
    }

    private static JsonNode swarmGet(int node, String target, byte[] salt) throws Exception {
        JsonNode r = swarm.request(BittorrentDhtSwarm.op("get").put("node", node).put("target", target)
                .put("salt", HEX.formatHex(salt)));
        assertTrue(r.path("ok").asBoolean(), r.toString());
        return r;
    }

    @Test
    @Order(1)
    void ourPeerReadsWhatBittorrentDhtPutAndTheReverseThroughItsNodesOnly() throws Exception {
        MainlineNode peer = start(MainlineConfig.client(loopback()).withThreadName("interop-peer"));
        byte[] seed = new byte[32];
        seed[0] = 1;
        byte[] salt = text("offer");
        JsonNode put = swarmPut(2, seed, salt, 7, text("from bittorrent-dht"));
        assertTrue(put.path("stored").asInt() > 0, put.toString());

        Ed25519.SigningKey sameKey = Ed25519.fromSeed(seed);
        GetResult got = peer.get(MutableItem.targetOf(sameKey.publicKey(), salt), salt).get(60, TimeUnit.SECONDS);
        MutableItem item = got.mutable().orElseThrow(() -> new AssertionError("not found: " + got));
        assertEquals(put.path("target").asText(), item.target().toHex());
        assertEquals(7, item.seq());
        assertArrayEquals(text("from bittorrent-dht"), item.valueBytes().orElseThrow());

        Ed25519.SigningKey ourKey = Ed25519.generate();
        MutableItem mine = MutableItem.sign(ourKey, text("answer"), 3, text("from our peer"));
        PutResult stored = peer.put(mine, Optional.empty()).get(60, TimeUnit.SECONDS);
        assertTrue(stored.stored() >= 4, stored.toString());
        JsonNode read = swarmGet(6, mine.target().toHex(), text("answer"));
        assertTrue(read.path("found").asBoolean(), read.toString());
        assertEquals(HEX.formatHex(text("from our peer")), read.path("v").asText());
        assertEquals(3, read.path("seq").asLong());
        assertEquals(HEX.formatHex(ourKey.publicKey()), read.path("k").asText());

        ImmutableItem immutable = new ImmutableItem(text("immutable from our peer"));
        assertTrue(peer.put(immutable).get(60, TimeUnit.SECONDS).stored() >= 4);
        JsonNode readImmutable = swarmGet(8, immutable.target().toHex(), new byte[0]);
        assertEquals(HEX.formatHex(text("immutable from our peer")), readImmutable.path("v").asText());
    }

    @Test
    @Order(2)
    void inAMixedNetworkBittorrentDhtStoresOnOurNodesAndReadsFromThem() throws Exception {
        for (int i = 0; i < 6; i++) {
            start(MainlineConfig.server(loopback()).withThreadName("interop-server-" + i));
        }
        MainlineNode peer = start(MainlineConfig.client(loopback()).withThreadName("interop-peer-2"));
        for (int round = 0; round < 5; round++) {
            byte[] seed = new byte[32];
            seed[0] = 2;
            seed[1] = (byte) round;
            byte[] salt = text("slot-" + round);
            swarmPut(round % 10, seed, salt, 1, text("mixed " + round));
            Ed25519.SigningKey key = Ed25519.fromSeed(seed);
            GetResult got = peer.get(MutableItem.targetOf(key.publicKey(), salt), salt).get(60, TimeUnit.SECONDS);
            assertArrayEquals(text("mixed " + round), got.mutable().orElseThrow().valueBytes().orElseThrow());

            MutableItem mine = MutableItem.sign(Ed25519.generate(), salt, 1, text("ours " + round));
            assertTrue(peer.put(mine, Optional.empty()).get(60, TimeUnit.SECONDS).stored() >= 4);
            assertEquals(HEX.formatHex(text("ours " + round)),
                    swarmGet((round + 5) % 10, mine.target().toHex(), salt).path("v").asText());
        }
        int itemsOnOurs = 0;
        for (MainlineNode n : ours) {
            itemsOnOurs += n.readOnly() ? 0 : n.stats().items();
        }
        assertTrue(itemsOnOurs > 0, "bittorrent-dht's puts and ours reached our full nodes");
        JsonNode table = swarm.request(BittorrentDhtSwarm.op("table").put("node", 0));
        int ourServersKnown = 0;
        for (JsonNode a : table.path("nodes")) {
            for (MainlineNode n : ours) {
                if (!n.readOnly() && a.asText().equals("127.0.0.1:" + n.localAddress().getPort())) {
                    ourServersKnown++;
                }
            }
        }
        assertTrue(ourServersKnown > 0, "bittorrent-dht lists our full nodes as contacts: " + table);
    }

    /**
     * bittorrent-dht announces a torrent whose info-hash lies next to one of our full nodes; our node,
     * among the closest, stores the announce (it used to refuse it with error 204 after handing out the
     * write token) and hands the peer to another bittorrent-dht node that looks the torrent up.
     */
    @Test
    @Order(3)
    void bittorrentDhtAnnouncesToOurNodesAndFindsThePeerThroughThem() throws Exception {
        MainlineNode server = ours.stream().filter(n -> !n.readOnly()).findFirst().orElseThrow();
        String infoHash = server.id().randomWithSharedPrefix(40, new java.util.Random(11)).toHex();
        JsonNode announced = swarm.request(BittorrentDhtSwarm.op("announce").put("node", 3).put("infoHash", infoHash)
                .put("port", 51413));
        assertTrue(announced.path("ok").asBoolean(), announced.toString());
        assertTrue(server.stats().peers() > 0, "our node closest to the torrent stored the announce: " + server.stats());

        JsonNode found = swarm.request(BittorrentDhtSwarm.op("lookupPeers").put("node", 7).put("infoHash", infoHash));
        assertTrue(found.path("ok").asBoolean(), found.toString());
        boolean fromOurs = false;
        for (JsonNode p : found.path("peers")) {
            assertEquals("127.0.0.1:51413", p.path("peer").asText());
            fromOurs |= p.path("from").asText().equals("127.0.0.1:" + server.localAddress().getPort());
        }
        assertTrue(fromOurs, "the peer came from our node too: " + found);
    }
}
