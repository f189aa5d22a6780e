package dev.dhtsignal.dht.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.testing.Await;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * libwebrtc itself (through webrtc-java) gathers a server-reflexive candidate from our node as its STUN
 * server. Two things stand in the way on one machine, and the test removes both on this machine only:
 * libwebrtc gathers nothing on loopback, so the node listens on an address of this machine's own
 * interface (traffic to it never leaves the machine); and libwebrtc drops a reflexive address equal to its
 * own socket's, which it is without a NAT, so one nftables rule in a table of the test's own rewrites the
 * source port of the packets to the node's port alone (what a NAT does), and is removed afterwards. Needs
 * root and nft; skipped, saying why, without them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebRtcGathersFromOurNodeTest {
    private RtcFactory factory;
    private InetAddress own;

    @BeforeAll
    void start() throws Exception {
        Optional<InetAddress> address = ownInterfaceAddress();
        assumeTrue(address.isPresent(), "this machine has no IPv4 interface address besides loopback");
        String probe = "dhtsignal_stun_probe_" + ProcessHandle.current().pid();
        assumeTrue(runs("nft", "add table ip " + probe) && runs("nft", "delete table ip " + probe),
                "nft is not installed or this user may not change nftables (root and CAP_NET_ADMIN needed)");
        own = address.get();
        factory = new RtcFactory();
    }

    @AfterAll
    void stop() {
        if (factory != null) {
            factory.close();
        }
    }

    /** An IPv4 address of one of this machine's own interfaces, other than loopback. */
    static Optional<InetAddress> ownInterfaceAddress() throws Exception {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback() || nif.isVirtual()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    @Test
    void aServerReflexiveCandidateComesFromOurNode() throws Exception {
        Gathered g = gather(true, Duration.ofSeconds(5));
        Matcher srflx = Pattern.compile("typ srflx raddr " + Pattern.quote(own.getHostAddress()) + " rport \\d+")
                .matcher(g.offer().sdp());
        assertTrue(g.offer().sdp().contains(" " + own.getHostAddress() + " " + g.natPort() + " typ srflx") && srflx.find(),
                "a srflx candidate at the address our node saw:\n" + g.offer().sdp());
        assertEquals(List.of(), g.problems());
        assertTrue(g.stun().answered() >= 1, g.stun().toString());
    }

    @Test
    void withoutOurNodesAnswerThereIsNoneAndWebRtcSaysTheServerIsSilent() throws Exception {
        Gathered g = gather(false, Duration.ofSeconds(2));
        assertFalse(g.offer().sdp().contains("typ srflx"), g.offer().sdp());
        assertEquals(1, g.problems().size(), g.problems().toString());
        assertTrue(g.problems().get(0).contains("did not answer"), g.problems().get(0));
    }

    private record Gathered(SessionDescription offer, List<String> problems, StunStats stun, int natPort) {
    }

    private Gathered gather(boolean answerStun, Duration limit) throws Exception {
        int natPort;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(own, 0))) {
            natPort = probe.getLocalPort();  // free now: the rewritten source port
        }
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(own, 0))
                .answerStun(answerStun).build())) {
            int port = node.localAddress().getPort();
            String table = "dhtsignal_stun_test_" + ProcessHandle.current().pid() + "_" + port;
            nft("add table ip " + table);
            RtcPeer peer = null;
            try {
                nft("add chain ip " + table + " post { type nat hook postrouting priority srcnat ; }");
                nft("add rule ip " + table + " post ip daddr " + own.getHostAddress() + " udp dport " + port
                        + " snat to " + own.getHostAddress() + ":" + natPort);
                peer = factory.createPeer(new RtcConfig(List.of(IceServer.parse("stun:" + own.getHostAddress() + ":" + port)),
                        limit));
                peer.createDataChannel("chat");
                SessionDescription offer = Await.result("offer", peer.createOffer());
                return new Gathered(offer, peer.iceServerProblems(), node.stats().stun(), natPort);
            } finally {
                if (peer != null) {
                    peer.close();
                }
                nft("delete table ip " + table);
            }
        }
    }

    private static void nft(String command) throws Exception {
        Process p = new ProcessBuilder("nft", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("nft " + command + ": " + out);
        }
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
