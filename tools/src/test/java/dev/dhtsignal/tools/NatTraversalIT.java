package dev.dhtsignal.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Peers behind home routers that do NAT, in network namespaces: a "public" bridge (198.18.0.0/24) with a
 * host running a dht-server and coturn (STUN and TURN), a public host, and four home routers, each with one
 * peer behind it on the same private range (every peer is 198.19.0.2; 198.19.0.0/16 plays the private
 * ranges). The routers are namespaces that forward with nftables: they masquerade what leaves their LAN
 * and drop whatever comes in unasked. Two of them map endpoint-independently (plain masquerade keeps the
 * source port, as most home routers do); two map every destination to a random port
 * ({@code masquerade fully-random}: a symmetric NAT, as in many corporate and mobile networks).
 *
 * <p>Cases, each with chat and a file transfer through the path and a check of the candidate pair the
 * peers report:
 * behind endpoint-independent NATs, STUN is enough (server-reflexive candidates); behind symmetric NATs,
 * TURN is needed (a relay candidate) and without it both peers fail within the time limit saying that no
 * candidate pair worked and that a TURN server helps (and a wrong TURN password is reported as such);
 * relay-only ICE uses the relay even where a direct path exists; a public peer reaches one behind a
 * symmetric NAT with STUN alone.
 *
 * <p>coturn runs with a configuration of its own (realm, one user, a relay port range, no TLS, listening on
 * its namespace address only). It denies peers in the private range, as its own documentation advises:
 * WebRTC also checks the other peer's private (host) candidates through the relay, the TURN host has no
 * route there, and coturn 4.6 ends the whole allocation when a relayed send fails with "Network is
 * unreachable", so without the denial relayed connections die before they start.
 *
 * <p>Needs root, {@code ip} (iproute2), {@code nft} (nftables) and {@code turnserver} (coturn). Without them
 * the test is skipped saying why; with {@code -Dnat.required=true} it fails instead.
 */
class NatTraversalIT {
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");
    /** The line both peers print on standard error once connected (see PathReport). */
    private static final Pattern PATH = Pattern.compile(
            "(?:offerer|answerer): connected in (\\d+) ms: local (\\S+) (\\S+) (\\S+) <-> remote (\\S+) (\\S+) (\\S+) \\((.*)\\)");
    private static final Duration SERVER_START = Duration.ofSeconds(60);
    /** Generous: two JVMs start on a loaded machine, then signal through the DHT and run ICE. */
    private static final Duration PEER_LIMIT = Duration.ofSeconds(120);

    private static final String SERVER = "198.18.0.10";
    private static final String PUBLIC_PEER = "198.18.0.13";
    private static final String PRIVATE_ROUTER = "198.19.0.1";
    private static final String PRIVATE_PEER = "198.19.0.2";
    private static final String DENIED_PRIVATE_RANGE = "198.19.0.0-198.19.255.255";
    private static final String TURN_USER = "peer";
    private static final String TURN_PASSWORD = "p" + Long.toHexString(new java.security.SecureRandom().nextLong());

    private static Namespaces net;
    private static Path work;
    private static String dht;
    private static String stun;
    private static String turn;
    private static int caseNumber;

    /** A home: a router namespace doing NAT and a peer namespace behind it. */
    private record Home(String router, String wan, String peer) {
    }

    private static final Map<String, Integer> WAN_HOST = Map.of("eim1", 21, "eim2", 22, "sym1", 31, "sym2", 32);

    // -------------------------------------------------------------------------------------------------
    // The network

    @BeforeAll
    static void buildNetwork() throws Exception {
        net = Namespaces.create("nat", "nat.required", "sw", Map.of(
                "nft", "apt-get install nftables", "turnserver", "apt-get install coturn",
                "turnutils_stunclient", "apt-get install coturn"));
        try {
            String sw = net.name("sw");
            net.bridge(sw, "br0");
            net.plug(sw, "br0", "port10", net.add("srv"), "eth0", SERVER + "/24");
            net.plug(sw, "br0", "port13", net.add("pub"), "eth0", PUBLIC_PEER + "/24");
            for (Map.Entry<String, Integer> home : WAN_HOST.entrySet()) {
                buildHome(home.getKey(), home.getValue(), home.getKey().startsWith("sym"));
            }
            work = Files.createTempDirectory("nat-it");
            dht = startDhtServer();
            stun = "stun:" + SERVER + ":3478";
            turn = "turn:" + SERVER + ":3478,username=" + TURN_USER + ",credential=" + TURN_PASSWORD;
            startCoturn();
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e.getMessage() + net.transcripts(), e);
        }
    }

    @AfterAll
    static void deleteNetwork() throws Exception {
        if (net != null) {
            net.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Home home(String name) {
        return new Home(net.name(name), "198.18.0." + WAN_HOST.get(name), net.name(name + "pc"));
    }

    /** A router with its WAN on the bridge and a LAN cable to one peer, forwarding through nftables NAT. */
    private static void buildHome(String name, int wanHost, boolean symmetric) throws Exception {
        String router = net.add(name);
        String peer = net.add(name + "pc");
        net.plug(net.name("sw"), "br0", "port" + wanHost, router, "wan", "198.18.0." + wanHost + "/24");
        net.cable(router, "lan", PRIVATE_ROUTER + "/24", peer, "eth0", PRIVATE_PEER + "/24");
        net.ip(peer, "route", "add", "default", "via", PRIVATE_ROUTER);
        net.exec(router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward");
        // What leaves the LAN is masqueraded behind the WAN address; what arrives on the WAN is let in only
        // as part of a flow the LAN started (conntrack), so unsolicited packets are dropped and counted.
        String rules = """
                table ip nat {
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "wan" masquerade %s
                  }
                }
                table ip filter {
                  chain forward {
                    type filter hook forward priority filter; policy drop;
                    ct state established,related accept
                    iifname "lan" oifname "wan" accept
                    iifname "wan" counter drop
                  }
                  chain input {
                    type filter hook input priority filter; policy drop;
                    ct state established,related accept
                    iifname { "lo", "lan" } accept
                    iifname "wan" counter drop
                  }
                }
                """.formatted(symmetric ? "fully-random" : "");
        Path file = Files.createTempFile("nat-" + name, ".nft");
        try {
            Files.writeString(file, rules, StandardCharsets.UTF_8);
            net.exec(router, "nft", "-f", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String startDhtServer() throws IOException {
        ProgramProcess server = net.start(net.name("srv"), "dht-server", "dht-server", "--port", "0", "--bind", SERVER);
        Matcher m = READY.matcher(server.awaitLine("the ready line", SERVER_START, l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        return SERVER + ":" + m.group(1);
    }

    /** coturn with a configuration of its own, on the server's address only; ready once it answers STUN. */
    private static void startCoturn() throws Exception {
        Path conf = work.resolve("turnserver.conf");
        Files.writeString(conf, String.join("\n",
                "listening-ip=" + SERVER,
                "relay-ip=" + SERVER,
                "listening-port=3478",
                "min-port=49152",
                "max-port=49407",
                "realm=nat.test",
                "lt-cred-mech",
                "user=" + TURN_USER + ":" + TURN_PASSWORD,
                "fingerprint",
                "no-tls",
                "no-dtls",
                "no-cli",
                "no-rfc5780",
                // The peers' private addresses are unreachable from here (see the class comment).
                "denied-peer-ip=" + DENIED_PRIVATE_RANGE,
                "userdb=" + work.resolve("turndb"),
                "pidfile=" + work.resolve("turnserver.pid"),
                "log-file=stdout",
                "simple-log",
                "verbose",
                ""), StandardCharsets.UTF_8);
        net.startCommand(net.name("srv"), "coturn", List.of("turnserver", "-c", conf.toString()));
        long deadline = System.nanoTime() + SERVER_START.toNanos();
        while (true) {
            // The probe waits for an answer without end; coreutils' timeout bounds each try.
            Namespaces.Result probe = net.tryExec(net.name("pub"), "timeout", "3", "turnutils_stunclient", "-p", "3478", SERVER);
            if (probe.code() == 0 && probe.output().contains("reflexive addr: " + PUBLIC_PEER)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("coturn did not answer STUN within " + SERVER_START.toSeconds() + " s: "
                        + probe.output() + "\n" + net.output("coturn"));
            }
            Thread.sleep(200);
        }
    }

    // -------------------------------------------------------------------------------------------------
    // The cases

    @Test
    void behindEndpointIndependentNatsPeersConnectThroughServerReflexiveCandidatesWithStun() throws Throwable {
        Home a = home("eim1");
        Home b = home("eim2");
        scenario(() -> {
            Pair pair = connect("eim-stun", a.peer(), b.peer(), List.of("--ice-server", stun), List.of("--ice-server", stun));
            chat(pair);
            Pair file = sendFile("eim-stun-file", a.peer(), b.peer(), List.of("--ice-server", stun), List.of("--ice-server", stun));
            for (Pair p : List.of(pair, file)) {
                // Each peer's own end is its router's public address as STUN saw it: the NAT mapped it.
                assertPath(p.offererPath(), Set.of("srflx"), a.wan(), Set.of("srflx", "prflx"));
                assertPath(p.answererPath(), Set.of("srflx"), b.wan(), Set.of("srflx", "prflx"));
            }
        });
    }

    @Test
    void relayOnlyUsesTheTurnRelayEvenWhereADirectPathWorks() throws Throwable {
        Home a = home("eim1");
        Home b = home("eim2");
        scenario(() -> {
            List<String> relayOnly = List.of("--ice-server", turn, "--ice-transport", "relay");
            Pair pair = connect("eim-relay-only", a.peer(), b.peer(), relayOnly, relayOnly);
            chat(pair);
            Pair file = sendFile("eim-relay-only-file", a.peer(), b.peer(), relayOnly, relayOnly);
            for (Pair p : List.of(pair, file)) {
                assertPath(p.offererPath(), Set.of("relay"), SERVER, Set.of("relay"));
                assertPath(p.answererPath(), Set.of("relay"), SERVER, Set.of("relay"));
            }
        });
    }

    @Test
    void behindSymmetricNatsPeersConnectThroughATurnRelay() throws Throwable {
        Home a = home("sym1");
        Home b = home("sym2");
        scenario(() -> {
            Pair pair = connect("sym-turn", a.peer(), b.peer(), List.of("--ice-server", turn), List.of("--ice-server", turn));
            chat(pair);
            Pair file = sendFile("sym-turn-file", a.peer(), b.peer(), List.of("--ice-server", turn), List.of("--ice-server", turn));
            for (Pair p : List.of(pair, file)) {
                assertTrue(p.offererPath().relayed() && p.answererPath().relayed(),
                        "behind two symmetric NATs only a relay can work, but the peers report:\n" + p.offererPath()
                                + "\n" + p.answererPath());
            }
        });
    }

    @Test
    void behindSymmetricNatsWithoutTurnBothPeersFailNamingTheCause() throws Throwable {
        Home a = home("sym1");
        Home b = home("sym2");
        scenario(() -> {
            String key = "case-" + (++caseNumber) + "-sym-no-turn";
            // The answerer's TURN server refuses its password, so it has no relay either, and says why.
            String wrongPassword = "turn:" + SERVER + ":3478,username=" + TURN_USER + ",credential=wrong";
            ProgramProcess answerer = net.start(b.peer(), key + " answerer", "answerer",
                    args(key, List.of("--ice-server", wrongPassword)));
            ProgramProcess offerer = net.start(a.peer(), key + " offerer", "offerer", args(key, List.of("--ice-server", stun)));
            offerer.closeStdin();
            offerer.awaitLine("Remote description set. WebRTC connection established.", PEER_LIMIT);
            long answerApplied = System.nanoTime();
            assertEquals(1, offerer.awaitExit(PEER_LIMIT), "the offerer must fail\n" + offerer.transcript());
            String said = lastLine(offerer.stderr(), "offerer: ");
            System.out.printf("NatTraversalIT sym-no-turn: the offerer gave up %.1f s after applying the answer:%n  %s%n",
                    (System.nanoTime() - answerApplied) / 1e9, said);
            assertTrue(said.contains("no candidate pair worked") && said.contains("add a TURN server"),
                    "the offerer's message names the likely cause: " + said);
            awaitStderr(answerer, "its failure", s -> s.contains("no candidate pair worked"));
            assertTrue(answerer.stderr().contains("refused the username or credential (401 Unauthorized)"),
                    "a wrong TURN password is reported as such\n" + answerer.transcript());
            answerer.terminate();
            answerer.awaitExit(PEER_LIMIT);
            assertFalse(offerer.stdoutLines().contains("Data channel 'chat' is open"), offerer.transcript());
        });
    }

    @Test
    void aPublicPeerAndOneBehindASymmetricNatConnectWithStunAlone() throws Throwable {
        Home b = home("sym1");
        scenario(() -> {
            Pair pair = connect("public-and-sym", net.name("pub"), b.peer(), List.of("--ice-server", stun),
                    List.of("--ice-server", stun));
            chat(pair);
            Pair file = sendFile("public-and-sym-file", net.name("pub"), b.peer(), List.of("--ice-server", stun),
                    List.of("--ice-server", stun));
            for (Pair p : List.of(pair, file)) {
                assertFalse(p.offererPath().relayed(), p.offererPath().toString());
                // The public peer is reached at its own address; it sees the other through the NAT's fresh mapping.
                assertPath(p.offererPath(), Set.of("host"), PUBLIC_PEER, Set.of("prflx", "srflx"));
                assertPath(p.answererPath(), Set.of("prflx", "srflx"), b.wan(), Set.of("host"));
            }
        });
    }

    // -------------------------------------------------------------------------------------------------
    // Peers

    /** What one peer reported about its path. */
    private record ReportedPath(String localType, String localAddress, String remoteType, String remoteAddress,
                                long connectMillis, String line) {
        boolean relayed() {
            return localType.equals("relay") || remoteType.equals("relay");
        }

        @Override
        public String toString() {
            return line;
        }
    }

    private record Pair(ProgramProcess offerer, ProgramProcess answerer, ReportedPath offererPath,
                        ReportedPath answererPath) {
    }

    /** Starts an answerer and an offerer, waits for both greetings, and reads the path each reports. */
    private static Pair connect(String name, String offererNs, String answererNs, List<String> offererArgs,
                                List<String> answererArgs) throws Exception {
        String key = "case-" + (++caseNumber) + "-" + name;
        ProgramProcess answerer = net.start(answererNs, key + " answerer", "answerer", args(key, answererArgs));
        ProgramProcess offerer = net.start(offererNs, key + " offerer", "offerer", args(key, offererArgs));
        long start = System.nanoTime();
        offerer.awaitLine("Received message from Peer B: Hello from Peer B!", PEER_LIMIT);
        answerer.awaitLine("Received message on 'chat': Hello from Peer A!", PEER_LIMIT);
        ReportedPath offererPath = path(offerer);
        ReportedPath answererPath = path(answerer);
        System.out.printf("NatTraversalIT %s: greetings after %.1f s (both JVMs starting included)%n  offerer %s%n  answerer %s%n",
                name, (System.nanoTime() - start) / 1e9, offererPath, answererPath);
        return new Pair(offerer, answerer, offererPath, answererPath);
    }

    private static String[] args(String key, List<String> extra) {
        List<String> all = new ArrayList<>(List.of("--dht", dht, "--offer-key", key + "-offer", "--answer-key",
                key + "-answer", "--connect-timeout", "30s"));
        all.addAll(extra);
        return all.toArray(String[]::new);
    }

    /**
     * A line each way through the data channel, then both end their input (the end of one side's input is
     * a half-close: the other side may still send) and both exit cleanly.
     */
    private static void chat(Pair pair) throws IOException {
        send(pair.offerer(), "across the NATs from A");
        pair.answerer().awaitLine("Received message on 'chat': across the NATs from A", PEER_LIMIT);
        send(pair.answerer(), "and back from B");
        pair.offerer().awaitLine("Received message from Peer B: and back from B", PEER_LIMIT);
        pair.offerer().closeStdin();
        pair.answerer().closeStdin();
        assertEquals(0, pair.offerer().awaitExit(PEER_LIMIT), pair.offerer().transcript());
        assertEquals(0, pair.answerer().awaitExit(PEER_LIMIT), pair.answerer().transcript());
    }

    /**
     * A file from an offerer to an answerer through the same kind of path (a new pair: a peer sending files
     * does not chat): both exit 0, and the receiver holds the very bytes sent, SHA-256 verified.
     */
    private static Pair sendFile(String name, String offererNs, String answererNs, List<String> offererArgs,
                                 List<String> answererArgs) throws Exception {
        String key = "case-" + (++caseNumber) + "-" + name;
        byte[] content = new byte[512 * 1024];
        new java.util.Random(caseNumber).nextBytes(content);
        Path file = work.resolve(key + ".bin");
        Files.write(file, content);
        Path inbox = Files.createDirectories(work.resolve(key + "-inbox"));
        List<String> receiving = new ArrayList<>(answererArgs);
        receiving.addAll(List.of("--receive", inbox.toString()));
        List<String> sending = new ArrayList<>(offererArgs);
        sending.addAll(List.of("--send", file.toString()));
        ProgramProcess answerer = net.start(answererNs, key + " answerer", "answerer", args(key, receiving));
        ProgramProcess offerer = net.start(offererNs, key + " offerer", "offerer", args(key, sending));
        assertEquals(0, offerer.awaitExit(PEER_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(PEER_LIMIT), answerer.transcript());
        assertArrayEquals(content, Files.readAllBytes(inbox.resolve(file.getFileName())), "the file as sent\n" + answerer.transcript());
        Pair pair = new Pair(offerer, answerer, path(offerer), path(answerer));
        System.out.printf("NatTraversalIT %s: %d bytes sent and verified%n  offerer %s%n  answerer %s%n",
                name, content.length, pair.offererPath(), pair.answererPath());
        return pair;
    }

    private static void send(ProgramProcess peer, String line) throws IOException {
        peer.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        peer.stdin().flush();
    }

    private static ReportedPath path(ProgramProcess peer) {
        String line = awaitStderr(peer, "the path it connected through", s -> PATH.matcher(s).find());
        Matcher m = PATH.matcher(line);
        assertTrue(m.find());
        return new ReportedPath(m.group(2), host(m.group(4)), m.group(5), host(m.group(7)), Long.parseLong(m.group(1)),
                m.group(0));
    }

    /** The address part of "ADDRESS:PORT"; WebRTC hides a peer-reflexive address as "?". */
    private static String host(String addressAndPort) {
        return addressAndPort.substring(0, addressAndPort.lastIndexOf(':'));
    }

    private static void assertPath(ReportedPath path, Set<String> localTypes, String localAddress, Set<String> remoteTypes) {
        assertTrue(localTypes.contains(path.localType()) && remoteTypes.contains(path.remoteType()),
                "expected a local " + localTypes + " and a remote " + remoteTypes + " candidate: " + path);
        assertEquals(localAddress, path.localAddress(), "our end of the path: " + path);
    }

    /** Waits for standard error to satisfy {@code wanted}; returns the first line that does, or all of it. */
    private static String awaitStderr(ProgramProcess peer, String what, Predicate<String> wanted) {
        long deadline = System.nanoTime() + PEER_LIMIT.toNanos();
        while (true) {
            String err = peer.stderr();
            for (String line : err.split("\n")) {
                if (wanted.test(line)) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline || (!peer.isAlive() && !wanted.test(err))) {
                // A peer that exited has written all it will (its stderr is read to the end on exit).
                if (!peer.isAlive()) {
                    peer.awaitExit(Duration.ofSeconds(5));
                    for (String line : peer.stderr().split("\n")) {
                        if (wanted.test(line)) {
                            return line;
                        }
                    }
                }
                throw new AssertionError("no " + what + " on standard error within " + PEER_LIMIT.toSeconds() + " s\n"
                        + peer.transcript());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static String lastLine(String text, String prefix) {
        String last = "";
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                last = line;
            }
        }
        return last;
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs a case; on failure adds every process's output (coturn's log included) to the message. */
    private static void scenario(Scenario scenario) throws Throwable {
        try {
            scenario.run();
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError((e instanceof AssertionError ? e.getMessage() : e.toString()) + net.transcripts(), e);
        }
    }
}
