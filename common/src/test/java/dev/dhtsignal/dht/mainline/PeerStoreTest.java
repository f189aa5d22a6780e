package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Announced peers (BEP 5): kept per torrent, shared out by source, bounded, forgotten after their lifetime. */
class PeerStoreTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Random random = new Random(5);

    private static InetSocketAddress peer(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void announcedPeersAreReturnedNewestFirstInTheRequestersFamilyUntilTheyExpire() throws Exception {
        PeerStore store = new PeerStore(SourceQuotas.sharesOf(1000));
        NodeId torrent = NodeId.random(random);
        store.announce(torrent, peer("203.0.113.1", 6881), NOW);
        store.announce(torrent, peer("203.0.113.2", 51413), NOW.plusSeconds(1));
        store.announce(torrent, peer("2001:db8::7", 6881), NOW.plusSeconds(2));
        assertEquals(List.of(peer("203.0.113.2", 51413), peer("203.0.113.1", 6881)), store.peers(torrent, false, NOW.plusSeconds(3)));
        assertEquals(List.of(peer("2001:db8::7", 6881)), store.peers(torrent, true, NOW.plusSeconds(3)));
        store.announce(torrent, peer("203.0.113.1", 6881), NOW.plus(PeerStore.LIFETIME));  // announced again
        assertEquals(List.of(peer("203.0.113.1", 6881)), store.peers(torrent, false, NOW.plus(PeerStore.LIFETIME).plusSeconds(1)));
        store.expire(NOW.plus(PeerStore.LIFETIME).plusSeconds(10));
        assertEquals(1, store.size());
    }

    @Test
    void oneAddressHoldsItsShareAndATorrentAtMostItsLimit() throws Exception {
        PeerStore store = new PeerStore(SourceQuotas.sharesOf(32_000));  // 1000 per address
        for (int i = 0; i < 1000; i++) {
            assertEquals(PeerStore.Outcome.STORED, store.announce(NodeId.random(random), peer("203.0.113.1", 6881), NOW));
        }
        assertEquals(PeerStore.Outcome.OVER_ADDRESS_QUOTA, store.announce(NodeId.random(random), peer("203.0.113.1", 6881), NOW));
        NodeId busy = NodeId.random(random);
        for (int i = 0; i < PeerStore.MAX_PER_TORRENT + 50; i++) {
            store.announce(busy, peer("198.51." + (i / 250) + "." + (1 + i % 250), 6881), NOW.plusMillis(i));
        }
        List<InetSocketAddress> got = store.peers(busy, false, NOW.plusSeconds(5));
        assertEquals(PeerStore.MAX_IPV4_PER_REPLY, got.size(), "a reply holds at most this many");
        assertTrue(store.size() <= 1000 + PeerStore.MAX_PER_TORRENT, "the torrent's oldest gave way: " + store.size());
    }

    @Test
    void whenFullTheHeaviestNetworkGivesWay() throws Exception {
        PeerStore store = new PeerStore(new SourceQuotas(100, 100, 100));
        NodeId honestTorrent = NodeId.random(random);
        store.announce(honestTorrent, peer("192.0.2.10", 6881), NOW);
        for (int i = 0; i < 5_000; i++) {
            store.announce(NodeId.random(random), peer("203.0." + (i % 10) + ".1", 6881), NOW.plusMillis(i));
        }
        assertEquals(100, store.size());
        assertEquals(List.of(peer("192.0.2.10", 6881)), store.peers(honestTorrent, false, NOW.plusSeconds(10)));
    }
}
