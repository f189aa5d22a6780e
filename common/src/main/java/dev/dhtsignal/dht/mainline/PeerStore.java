package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.SourceLedger;
import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Optional;

/**
 * The peers announced to this node (BEP 5 {@code announce_peer}), by torrent (info-hash), returned to
 * whoever asks {@code get_peers} for that torrent. An announce registers the announcer's own IP address
 * (with the port it names, or the port it sent from), so each entry counts against that address and its
 * network ({@link SourceLedger}): one address, and one network, may hold only their shares, and when the
 * store is full the network holding the most gives up its oldest entry. A torrent holds at most
 * {@link #MAX_PER_TORRENT} peers, the oldest leaving for a newcomer. A peer that is not announced again
 * within {@link #LIFETIME} is forgotten. Thread-safe.
 *
 * <p>Serving announces rather than refusing them keeps this node in other nodes' routing tables: a
 * client that gets a write token from {@code get_peers} and then an error for its {@code announce_peer}
 * counts the error as a failure of the node (libtorrent does), and drops a node that keeps failing.
 */
public final class PeerStore {
    /**
     * How long an announce lasts. Clients announce again every 15 to 30 minutes; 45 minutes leave room for
     * a late one.
     */
    public static final Duration LIFETIME = Duration.ofMinutes(45);
    /** Peers kept for one torrent; beyond this the oldest announce gives way. */
    public static final int MAX_PER_TORRENT = 500;
    /**
     * Peers returned in one {@code get_peers} reply, so that it fits in a datagram beside the nodes:
     * 100 IPv4 peers take 800 bytes of bencode, 40 IPv6 peers 840.
     */
    public static final int MAX_IPV4_PER_REPLY = 100;
    public static final int MAX_IPV6_PER_REPLY = 40;

    /** What an announce did. */
    public enum Outcome { STORED, OVER_ADDRESS_QUOTA, OVER_NETWORK_QUOTA }

    private record Entry(NodeId infoHash, InetSocketAddress peer) {
    }

    /** Per torrent, its peers and when each last announced, oldest announce first. */
    private final Map<NodeId, LinkedHashMap<InetSocketAddress, Instant>> torrents = new HashMap<>();
    private final SourceLedger<Entry> ledger;
    private long evicted;

    public PeerStore(SourceQuotas quotas) {
        this.ledger = new SourceLedger<>(quotas);
    }

    /** Records that {@code peer} (the announcer's address and its port) is in the torrent {@code infoHash}. */
    public synchronized Outcome announce(NodeId infoHash, InetSocketAddress peer, Instant now) {
        Entry entry = new Entry(infoHash, peer);
        LinkedHashMap<InetSocketAddress, Instant> peers = torrents.get(infoHash);
        if (peers != null && peers.remove(peer) != null) {
            peers.put(peer, now);
            ledger.hold(entry, peer.getAddress());
            return Outcome.STORED;
        }
        Optional<SourceLedger.Refusal> refusal = ledger.refusal(entry, peer.getAddress());
        if (refusal.isPresent()) {
            return refusal.get() == SourceLedger.Refusal.ADDRESS_QUOTA
                    ? Outcome.OVER_ADDRESS_QUOTA : Outcome.OVER_NETWORK_QUOTA;
        }
        if (peers != null && peers.size() >= MAX_PER_TORRENT) {
            remove(new Entry(infoHash, peers.keySet().iterator().next()));
        }
        while (ledger.isFull()) {
            remove(ledger.heaviestOldest().orElseThrow());
        }
        torrents.computeIfAbsent(infoHash, h -> new LinkedHashMap<>()).put(peer, now);
        ledger.hold(entry, peer.getAddress());
        return Outcome.STORED;
    }

    private void remove(Entry e) {
        ledger.release(e);
        LinkedHashMap<InetSocketAddress, Instant> peers = torrents.get(e.infoHash());
        if (peers != null) {
            peers.remove(e.peer());
            if (peers.isEmpty()) {
                torrents.remove(e.infoHash());
            }
        }
        evicted++;
    }

    /**
     * The live peers of a torrent in one address family (a requester can only use its own), most recent
     * announce first, at most {@link #MAX_IPV4_PER_REPLY} or {@link #MAX_IPV6_PER_REPLY}.
     */
    public synchronized List<InetSocketAddress> peers(NodeId infoHash, boolean ipv6, Instant now) {
        LinkedHashMap<InetSocketAddress, Instant> peers = torrents.get(infoHash);
        if (peers == null) {
            return List.of();
        }
        int max = ipv6 ? MAX_IPV6_PER_REPLY : MAX_IPV4_PER_REPLY;
        List<InetSocketAddress> out = new ArrayList<>();
        ListIterator<Map.Entry<InetSocketAddress, Instant>> newestFirst = new ArrayList<>(peers.entrySet())
                .listIterator(peers.size());
        while (newestFirst.hasPrevious() && out.size() < max) {
            Map.Entry<InetSocketAddress, Instant> e = newestFirst.previous();
            if (isLive(e.getValue(), now) && (e.getKey().getAddress() instanceof Inet6Address) == ipv6) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    private static boolean isLive(Instant announcedAt, Instant now) {
        return announcedAt.plus(LIFETIME).isAfter(now);
    }

    /** Forgets announces older than {@link #LIFETIME}. */
    public synchronized void expire(Instant now) {
        for (Iterator<Map.Entry<NodeId, LinkedHashMap<InetSocketAddress, Instant>>> t = torrents.entrySet().iterator();
             t.hasNext(); ) {
            Map.Entry<NodeId, LinkedHashMap<InetSocketAddress, Instant>> torrent = t.next();
            for (Iterator<Map.Entry<InetSocketAddress, Instant>> p = torrent.getValue().entrySet().iterator(); p.hasNext(); ) {
                Map.Entry<InetSocketAddress, Instant> e = p.next();
                if (!isLive(e.getValue(), now)) {
                    p.remove();
                    ledger.release(new Entry(torrent.getKey(), e.getKey()));
                }
            }
            if (torrent.getValue().isEmpty()) {
                t.remove();
            }
        }
    }

    /** Announced peers held, over all torrents. */
    public synchronized int size() {
        return ledger.size();
    }

    /** Announces given up to make room for others since the store began. */
    public synchronized long evicted() {
        return evicted;
    }
}
