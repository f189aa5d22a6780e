package dev.dhtsignal.signal.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.signal.board.NodeIceServers;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which STUN and TURN servers a peer uses: given ones, the node's, the defaults. */
class PeerIceServersTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final InetSocketAddress NODE = new InetSocketAddress("198.18.0.10", 8468);
    private static final InetSocketAddress NODE6 = new InetSocketAddress("fdd5:4ea1:7f3e::10", 8468);
    private static final IceServer GIVEN = IceServer.parse("stun:198.18.0.99:3478");
    private static final IceDefaults MAINLINE = new IceDefaults(true, IceDefaults.PUBLIC_STUN);
    private static final IceDefaults KADEMLIA = new IceDefaults(true, List.of());

    private static TurnServer turn(Instant expires) {
        return new TurnServer(List.of("turn:198.18.0.10:3478?transport=udp"), expires.getEpochSecond() + ":abc", "pw", expires);
    }

    /** A node that answers with {@code offer}, asked the way a network asks it while joining. */
    private static NodeIceServers answered(InetSocketAddress node, IceServerOffer offer) {
        NodeIceServers nodes = new NodeIceServers();
        nodes.ask(List.of(node), n -> CompletableFuture.completedFuture(offer));
        nodes.joinEnded();
        return nodes;
    }

    private static List<String> urls(List<IceServer> servers) {
        return servers.stream().flatMap(s -> s.urls().stream()).toList();
    }

    @Test
    void theNodesStunServerIsUsedOnlyWhenTheNodeSaysItAnswersStun() {
        var ours = new PeerIceServers(List.of(GIVEN), KADEMLIA, answered(NODE, new IceServerOffer(true, List.of())), CLOCK);
        assertEquals(List.of("stun:198.18.0.99:3478", "stun:198.18.0.10:8468"), urls(ours.current()));
        // The original's Python nodes never answer ice_servers: nothing is added, nobody waits on it.
        NodeIceServers silent = new NodeIceServers();
        silent.ask(List.of(NODE), n -> new CompletableFuture<>());
        silent.joinEnded();
        assertTrue(silent.settled().isDone());
        assertEquals(List.of("stun:198.18.0.99:3478"), urls(new PeerIceServers(List.of(GIVEN), KADEMLIA, silent, CLOCK).current()));
        var noStun = new PeerIceServers(List.of(), KADEMLIA, answered(NODE, new IceServerOffer(false, List.of())), CLOCK);
        assertEquals(List.of(), urls(noStun.current()));
        var ipv6 = new PeerIceServers(List.of(), KADEMLIA, answered(NODE6, new IceServerOffer(true, List.of())), CLOCK);
        assertEquals(List.of("stun:[fdd5:4ea1:7f3e:0:0:0:0:10]:8468"), urls(ipv6.current()));
    }

    /**
     * A node on this machine (the default --dht 127.0.0.1:8468, a local --bootstrap) is not asked for STUN:
     * it could only tell a host address, and bound to the wildcard address it answers from the interface's
     * address, which WebRTC drops (every round waited 1 s and warned). It still counts as the user's own
     * node, so no public STUN server is asked instead.
     */
    @Test
    void aNodeOnThisMachineIsNotAskedForStunAndNoPublicServerIsAskedInstead() {
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 8468);
        IceServerOffer offer = new IceServerOffer(true, List.of(turn(NOW.plusSeconds(600))));
        assertEquals(List.of("turn:198.18.0.10:3478?transport=udp"),
                urls(new PeerIceServers(List.of(), KADEMLIA, answered(local, offer), CLOCK).current()));
        assertEquals(List.of(), urls(new PeerIceServers(List.of(), MAINLINE,
                answered(local, new IceServerOffer(true, List.of())), CLOCK).current()));
        assertEquals(List.of(), urls(new PeerIceServers(List.of(), KADEMLIA,
                answered(new InetSocketAddress("::1", 8468), new IceServerOffer(true, List.of())), CLOCK).current()));
    }

    @Test
    void noDefaultStunLeavesOutTheNodesStunServerAndThePublicOnesButNotItsTurn() {
        IceServerOffer offer = new IceServerOffer(true, List.of(turn(NOW.plusSeconds(600))));
        List<IceServer> servers = new PeerIceServers(List.of(), IceDefaults.NONE, answered(NODE, offer), CLOCK).current();
        assertEquals(List.of("turn:198.18.0.10:3478?transport=udp"), urls(servers));
        assertEquals("pw", servers.get(0).password());
        assertEquals(List.of(), urls(new PeerIceServers(List.of(), IceDefaults.NONE, NodeIceServers.none(), CLOCK).current()));
    }

    @Test
    void onMainlineThePublicStunServersAreTheFallbackWhenNoNodeOffersStun() {
        assertEquals(List.of("stun:stun.l.google.com:19302", "stun:stun.cloudflare.com:3478"),
                urls(new PeerIceServers(List.of(), MAINLINE, NodeIceServers.none(), CLOCK).current()));
        // Servers given replace them (overridable: --ice-server, ICE_SERVERS).
        assertEquals(List.of("stun:198.18.0.99:3478"),
                urls(new PeerIceServers(List.of(GIVEN), MAINLINE, NodeIceServers.none(), CLOCK).current()));
        // A bootstrap node of the user's that answers STUN replaces them: the peer asks no stranger.
        assertEquals(List.of("stun:198.18.0.10:8468"),
                urls(new PeerIceServers(List.of(), MAINLINE, answered(NODE, new IceServerOffer(true, List.of())), CLOCK).current()));
    }

    @Test
    void turnFromTheNodeIsUsedUntilItExpiresAndRenewedBeforeThat() {
        AtomicInteger asked = new AtomicInteger();
        NodeIceServers nodes = new NodeIceServers();
        nodes.ask(List.of(NODE), n -> CompletableFuture.completedFuture(new IceServerOffer(false,
                List.of(turn(asked.incrementAndGet() == 1 ? NOW.plusSeconds(30) : NOW.plusSeconds(600))))));
        nodes.joinEnded();
        List<IceServer> servers = new PeerIceServers(List.of(), KADEMLIA, nodes, CLOCK).current();
        assertEquals(2, asked.get(), "credentials that expire within a minute are asked for again first");
        assertEquals((NOW.getEpochSecond() + 600) + ":abc", servers.get(0).username());
        // Already expired (the node's clock is off): left out rather than refused by the TURN server.
        var expired = new PeerIceServers(List.of(), KADEMLIA, answered(NODE,
                new IceServerOffer(false, List.of(turn(NOW.minusSeconds(1))))), CLOCK);
        assertEquals(List.of(), urls(expired.current()));
    }

    @Test
    void whatANodeHandsOutThatIsNoTurnServerIsLeftOut() {
        TurnServer stunAsTurn = new TurnServer(List.of("stun:198.18.0.66:3478", "http://198.18.0.66/"), "u", "p", NOW.plusSeconds(600));
        var ours = new PeerIceServers(List.of(GIVEN), KADEMLIA, answered(NODE, new IceServerOffer(false, List.of(stunAsTurn))), CLOCK);
        assertEquals(List.of("stun:198.18.0.99:3478"), urls(ours.current()));
    }

    @Test
    void withoutTurnFromTheNodeTheAdviceNamesTheNode() {
        String advice = new PeerIceServers(List.of(), KADEMLIA, answered(NODE, new IceServerOffer(true, List.of())), CLOCK)
                .withoutRelayAdvice();
        assertTrue(advice.contains("the DHT node 198.18.0.10:8468 offers none") && advice.contains("--turn-url"), advice);
        assertNull(new PeerIceServers(List.of(), KADEMLIA, answered(NODE,
                new IceServerOffer(true, List.of(turn(NOW.plusSeconds(600))))), CLOCK).withoutRelayAdvice());
        assertNull(new PeerIceServers(List.of(), KADEMLIA, NodeIceServers.none(), CLOCK).withoutRelayAdvice());
    }

    @Test
    void aReplyAskedAgainAfterALossIsAwaitedBrieflyPastTheJoin() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<IceServerOffer> second = new CompletableFuture<>();
        NodeIceServers nodes = new NodeIceServers();
        nodes.ask(List.of(NODE), n -> sent.incrementAndGet() == 1 ? new CompletableFuture<>() : second);
        // The node answered a ping; a round trip later its reply has still not come: the request was lost.
        nodes.alive(NODE, Duration.ofSeconds(2));
        assertEquals(1, sent.get(), "not at once: the reply may be on its way");
        dev.dhtsignal.testing.Await.until("the request asked again", Duration.ofSeconds(30), () -> sent.get() == 2);
        nodes.joinEnded();
        assertTrue(!nodes.settled().isDone(), "the second reply is due within two round trips");
        second.complete(new IceServerOffer(true, List.of()));
        nodes.settled().get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1, nodes.replies().size());
        // Once a node has replied, a ping of it asks nothing more.
        nodes.alive(NODE, Duration.ofMillis(200));
        assertEquals(2, sent.get());
    }
}
