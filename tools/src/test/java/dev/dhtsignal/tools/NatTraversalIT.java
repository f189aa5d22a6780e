package dev.dhtsignal.tools;

import static dev.dhtsignal.tools.NatPeers.assertPath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.testing.ProgramProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Peers behind home routers that do NAT, in network namespaces ({@link NatLab}): two routers that map
 * endpoint-independently (plain masquerade keeps the source port, as most home routers do), two that map
 * every destination to a new port ({@code masquerade fully-random}: a symmetric NAT, as in many corporate
 * and mobile networks), two on IPv6 alone; a dht-server that hands out TURN credentials for the coturn beside
 * it and one that does not.
 *
 * <p>The peers get no ICE option at all: the node they join through is their STUN server, and hands them
 * TURN credentials. Behind endpoint-independent NATs that gives server-reflexive candidates that connect;
 * behind symmetric NATs a relay; with a node without TURN both peers fail saying the node offers none. The
 * same over degraded links (delay, loss, a rate limit on each router's WAN side), and over IPv6.
 *
 * <p>coturn denies peers in the private range, as its own documentation advises: WebRTC also checks the
 * other peer's private (host) candidates through the relay, the TURN host has no route there, and coturn
 * 4.6 ends the whole allocation when a relayed send fails with "Network is unreachable", so without the
 * denial relayed connections die before they start.
 *
 * <p>Needs root, {@code ip} (iproute2), {@code nft} (nftables), {@code ethtool}, {@code python3} (the link
 * emulator) and {@code turnserver} (coturn). Without them the test is skipped saying why; with
 * {@code -Dnat.required=true} it fails instead.
 */
class NatTraversalIT {
    /** The end-to-end figures between two peers are the issue's; each router's link carries half the delay and loss. */
    private static final NatLab.Conditions INTERNET = new NatLab.Conditions("100 ms rtt, 2% loss, 10 Mbit/s",
            25, 1 - Math.sqrt(0.98), 10_000);
    private static final NatLab.Conditions HARSH = new NatLab.Conditions("300 ms rtt, 10% loss, 10 Mbit/s",
            75, 1 - Math.sqrt(0.90), 10_000);
    private static final int FILE = 512 * 1024;
    /**
     * Over lossy links the data channel's congestion control (SCTP's, like TCP's) sets the pace, not the
     * 10 Mbit/s: 5 MiB took 55-60 s at 100 ms and 2% loss, 1 MiB 62 s at 300 ms and 10%. So 5 MiB once
     * (the size), and less elsewhere, to keep the test within a few minutes.
     */
    private static final int BIG_FILE = 5 * 1024 * 1024;
    private static final int INTERNET_FILE = 1024 * 1024;
    private static final int HARSH_FILE = 256 * 1024;
    private static List<String> nodeWithoutTurn() {
        return List.of("--dht", lab.dhtWithoutTurn);
    }

    private static NatLab lab;
    private static NatPeers peers;

    @BeforeAll
    static void buildNetwork() throws Exception {
        Namespaces net = Namespaces.create("nat", "nat.required", "sw", Map.of(
                "nft", "apt-get install nftables", "turnserver", "apt-get install coturn",
                "turnutils_stunclient", "apt-get install coturn", "ethtool", "apt-get install ethtool",
                "python3", "apt-get install python3"));
        Path work = Files.createTempDirectory("nat-it");
        try {
            lab = new NatLab(net, work);
            // The degraded-link cases have homes of their own, so that no home asks the node more often than
            // a household would.
            lab.build(Map.of("eim1", false, "eim2", false, "sym1", true, "sym2", true, "eim3", false, "eim4", false,
                    "sym3", true, "sym4", true), List.of("v6a", "v6b"));
            peers = new NatPeers(lab);
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e.getMessage() + net.transcripts(), e);
        }
    }

    @AfterAll
    static void deleteNetwork() throws Exception {
        Path work = lab == null ? null : lab.work;
        if (lab != null) {
            lab.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // -------------------------------------------------------------------------------------------------
    // No ICE option: the node's STUN server and TURN credentials

    @Test
    void behindEndpointIndependentNatsPeersConnectWithTheNodesStunServerAndNoOption() throws Throwable {
        scenario(() -> eimCase("eim", "eim1", "eim2", FILE));
    }

    @Test
    void behindSymmetricNatsPeersConnectThroughTheTurnServerTheNodeHandsOut() throws Throwable {
        scenario(() -> symCase("sym", "sym1", "sym2", FILE));
    }

    @Test
    void behindSymmetricNatsWithANodeWithoutTurnBothPeersFailNamingTheMissingTurn() throws Throwable {
        NatLab.Home a = lab.home("sym1");
        NatLab.Home b = lab.home("sym2");
        scenario(() -> {
            String key = peers.key("sym-node-without-turn");
            // The answerer also brings a TURN server of its own whose password is wrong: said as such.
            String wrongPassword = "turn:" + NatLab.SERVER + ":3478,username=" + (System.currentTimeMillis() / 1000 + 600)
                    + ":test,credential=wrong";
            List<String> node = List.of("--dht", lab.dhtWithoutTurn);
            ProgramProcess answerer = lab.net.start(b.peer(), key + " answerer", "answerer",
                    peers.args(key, List.of("--dht", lab.dhtWithoutTurn, "--ice-server", wrongPassword)));
            ProgramProcess offerer = lab.net.start(a.peer(), key + " offerer", "offerer", peers.args(key, node));
            offerer.closeStdin();
            NatPeers.awaitLine(offerer, "Remote description set. WebRTC connection established.");
            long answerApplied = System.nanoTime();
            assertEquals(1, offerer.awaitExit(NatPeers.PEER_LIMIT), "the offerer must fail\n" + offerer.transcript());
            String said = NatPeers.lastLine(offerer.stderr(), "offerer: ");
            System.out.printf("NatTraversalIT sym-node-without-turn: the offerer gave up %.1f s after applying the answer:%n  %s%n",
                    (System.nanoTime() - answerApplied) / 1e9, said);
            assertTrue(said.contains("no candidate pair worked") && said.contains("only a relay helps")
                            && said.contains("the DHT node " + lab.dhtWithoutTurn + " offers none") && said.contains("--turn-url"),
                    "the offerer's message names the missing TURN server: " + said);
            NatPeers.awaitStderr(answerer, "its failure", s -> s.contains("no candidate pair worked"));
            assertTrue(answerer.stderr().contains("refused the username or credential (401 Unauthorized)"),
                    "a wrong TURN password is reported as such\n" + answerer.transcript());
            answerer.terminate();
            answerer.awaitExit(NatPeers.PEER_LIMIT);
            assertFalse(offerer.stdoutLines().contains("Data channel 'chat' is open"), offerer.transcript());
        });
    }

    @Test
    void relayOnlyUsesTheNodesTurnRelayEvenWhereADirectPathWorks() throws Throwable {
        NatLab.Home a = lab.home("eim1");
        NatLab.Home b = lab.home("eim2");
        scenario(() -> {
            List<String> relayOnly = List.of("--ice-transport", "relay");
            NatPeers.Pair pair = peers.connect("eim-relay-only", a.peer(), b.peer(), relayOnly, relayOnly);
            peers.chat(pair);
            assertPath(pair.offererPath(), Set.of("relay"), NatLab.SERVER, Set.of("relay"));
            assertPath(pair.answererPath(), Set.of("relay"), NatLab.SERVER, Set.of("relay"));
        });
    }

    @Test
    void aTurnServerGivenByOptionWorksBesideTheNodes() throws Throwable {
        // Credentials of the test's own for the same coturn (the REST scheme with its secret), given with
        // --ice-server to a node without TURN: what a user with a TURN account does.
        NatLab.Home a = lab.home("sym1");
        NatLab.Home b = lab.home("sym2");
        scenario(() -> {
            String user = (System.currentTimeMillis() / 1000 + 600) + ":by-option";
            String turn = "turn:" + NatLab.SERVER + ":3478,username=" + user + ",credential="
                    + TurnRestCredentials.password(lab.turnSecret, user);
            List<String> given = List.of("--dht", lab.dhtWithoutTurn, "--ice-server", turn);
            NatPeers.Pair pair = peers.connect("sym-turn-by-option", a.peer(), b.peer(), given, given);
            peers.chat(pair);
            assertTrue(pair.offererPath().relayed() && pair.answererPath().relayed(), pair.offererPath() + "\n" + pair.answererPath());
        });
    }

    @Test
    void aPublicPeerAndOneBehindASymmetricNatConnectWithTheNodesStunAlone() throws Throwable {
        NatLab.Home b = lab.home("sym1");
        String pub = lab.net.name("pub");
        scenario(() -> {
            // The node's TURN is not needed here; the offerer is public, the answerer's NAT lets the answers in.
            List<String> noTurn = List.of("--dht", lab.dhtWithoutTurn);
            NatPeers.Pair pair = peers.connect("public-and-sym", pub, b.peer(), noTurn, noTurn);
            peers.chat(pair);
            assertFalse(pair.offererPath().relayed(), pair.offererPath().toString());
            // The public peer is reached at its own address; it sees the other through the NAT's fresh mapping.
            assertPath(pair.offererPath(), Set.of("host"), NatLab.PUBLIC_PEER, Set.of("prflx", "srflx"));
            assertPath(pair.answererPath(), Set.of("prflx", "srflx"), b.wan(), Set.of("host"));
        });
    }

    // -------------------------------------------------------------------------------------------------
    // Degraded links

    @Test
    void overAnInternetLinkBothNatKindsConnectChatAndMoveFiveMegabytes() throws Throwable {
        scenario(() -> {
            try (AutoCloseable degraded = lab.degrade(INTERNET, lab.home("eim3"), lab.home("eim4"), lab.home("sym3"), lab.home("sym4"))) {
                eimCase("eim-internet", "eim3", "eim4", BIG_FILE);
                symCase("sym-internet", "sym3", "sym4", INTERNET_FILE);
            }
        });
    }

    @Test
    void overAHarshLinkBothNatKindsConnectChatAndMoveAFile() throws Throwable {
        scenario(() -> {
            try (AutoCloseable degraded = lab.degrade(HARSH, lab.home("eim3"), lab.home("eim4"), lab.home("sym3"), lab.home("sym4"))) {
                eimCase("eim-harsh", "eim3", "eim4", HARSH_FILE);
                symCase("sym-harsh", "sym3", "sym4", HARSH_FILE);
            }
        });
    }

    // -------------------------------------------------------------------------------------------------
    // IPv6

    @Test
    void overIpv6OnDualStackHostsTheNodesStunServerGivesIpv6ReflexiveCandidates() throws Throwable {
        NatLab.Home a = lab.home("eim1");
        NatLab.Home b = lab.home("eim2");
        scenario(() -> {
            List<String> v6 = List.of("--dht", lab.dhtWithoutTurn6);
            NatPeers.Pair pair = peers.connect("dual-stack-v6", a.peer(), b.peer(), v6, v6);
            peers.chat(pair);
            // Candidates of both families are offered; the node gave reflexive ones over IPv6 (it was asked
            // there), so the NATed IPv6 path is the one that works between the two routers.
            assertPath(pair.offererPath(), Set.of("srflx"), a.wan6(), Set.of("srflx", "prflx"));
            assertPath(pair.answererPath(), Set.of("srflx"), b.wan6(), Set.of("srflx", "prflx"));
        });
    }

    @Test
    void onIpv6OnlyHostsPeersFindTheNodeAndConnectThroughIt() throws Throwable {
        NatLab.Home a = lab.home("v6a");
        NatLab.Home b = lab.home("v6b");
        scenario(() -> {
            List<String> v6 = List.of("--dht", lab.dhtWithoutTurn6);
            NatPeers.Pair pair = peers.connect("ipv6-only", a.peer(), b.peer(), v6, v6);
            peers.chat(pair);
            assertPath(pair.offererPath(), Set.of("srflx"), a.wan6(), Set.of("srflx", "prflx"));
            assertPath(pair.answererPath(), Set.of("srflx"), b.wan6(), Set.of("srflx", "prflx"));
            NatPeers.Sent file = peers.sendFile("ipv6-only-file", a.peer(), b.peer(), FILE, v6, v6);
            assertPath(file.pair().offererPath(), Set.of("srflx"), a.wan6(), Set.of("srflx", "prflx"));
        });
    }

    // -------------------------------------------------------------------------------------------------

    /**
     * Behind the two endpoint-independent NATs, no ICE option, through the node without TURN: chat, then a
     * file, both through the reflexive candidates the node's STUN server gave.
     */
    private static void eimCase(String name, String home1, String home2, int fileBytes) throws Exception {
        NatLab.Home a = lab.home(home1);
        NatLab.Home b = lab.home(home2);
        NatPeers.Pair pair = peers.connect(name, a.peer(), b.peer(), nodeWithoutTurn(), nodeWithoutTurn());
        peers.chat(pair);
        NatPeers.Sent file = peers.sendFile(name + "-file", a.peer(), b.peer(), fileBytes, nodeWithoutTurn(), nodeWithoutTurn());
        for (NatPeers.Pair p : List.of(pair, file.pair())) {
            // Each peer's own end is its router's public address as the node's STUN server saw it.
            assertPath(p.offererPath(), Set.of("srflx"), a.wan(), Set.of("srflx", "prflx"));
            assertPath(p.answererPath(), Set.of("srflx"), b.wan(), Set.of("srflx", "prflx"));
        }
    }

    /** Behind the two symmetric NATs, no option: chat, then a file, both through the relay the node's credentials opened. */
    private static void symCase(String name, String home1, String home2, int fileBytes) throws Exception {
        NatLab.Home a = lab.home(home1);
        NatLab.Home b = lab.home(home2);
        NatPeers.Pair pair = peers.connect(name, a.peer(), b.peer(), List.of(), List.of());
        peers.chat(pair);
        NatPeers.Sent file = peers.sendFile(name + "-file", a.peer(), b.peer(), fileBytes, List.of(), List.of());
        for (NatPeers.Pair p : List.of(pair, file.pair())) {
            assertTrue(p.offererPath().relayed() && p.answererPath().relayed(),
                    "behind two symmetric NATs only a relay can work, but the peers report:\n" + p.offererPath()
                            + "\n" + p.answererPath());
        }
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs a case; on failure adds every process's output (coturn's and the emulators' included) to the message. */
    private static void scenario(Scenario scenario) throws Throwable {
        try {
            scenario.run();
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError((e instanceof AssertionError ? e.getMessage() : e.toString()) + lab.net.transcripts(), e);
        }
    }
}
