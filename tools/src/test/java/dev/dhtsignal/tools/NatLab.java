package dev.dhtsignal.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network of {@link NatTraversalIT}, in namespaces: a "public" bridge (198.18.0.0/16 and the IPv6
 * range fdd5:4ea1:7f3e::/48, made up here: unique local addresses) with a server host and a public host,
 * and homes: a router doing NAT with one peer behind it, every peer at the same private addresses
 * (198.19.0.2, fdd5:4ea1:7f3f:100::2; 198.19.0.0/16 plays the private ranges). Each host on the bridge has
 * an IPv4 /24 and an IPv6 /64 of its own, as homes on the Internet do: the node's limits per network (its
 * requests, the ICE servers it hands out) then count each home apart.
 *
 * <p>The server host runs two dht-servers: one that hands out TURN credentials for the coturn beside it
 * (coturn's {@code use-auth-secret}, the secret shared through a file, as the README tells operators), and
 * one without TURN, bound to {@code ::} (IPv4 and IPv6 on one socket). Both answer STUN on their own port.
 *
 * <p>A router's WAN interface reaches the bridge through a wire of its own: a veth pair inside the router
 * ({@code wan}, with the addresses, and {@code wanx}) and a veth to the switch ({@code uplink}). Normally a
 * bridge in the router joins {@code wanx} and {@code uplink}; {@link #degrade} takes them out of it and puts
 * a link emulator between them (delay, loss, rate: {@code link-emulator.py}, what {@code tc netem} does, for
 * kernels built without {@code sch_netem}, like this one).
 */
final class NatLab implements AutoCloseable {
    static final String SERVER = "198.18.0.10";
    static final String SERVER6 = "fdd5:4ea1:7f3e::10";
    static final String PUBLIC_PEER = "198.18.1.13";
    static final String PRIVATE_PEER = "198.19.0.2";
    private static final String PRIVATE_ROUTER = "198.19.0.1";
    /** The LANs' IPv6 prefix, of another made-up /48: no home's private side looks on-link from the bridge. */
    private static final String LAN6 = "fdd5:4ea1:7f3f:100::";
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");
    private static final Duration SERVER_START = Duration.ofSeconds(60);

    /** A home: a router namespace doing NAT and a peer namespace behind it. */
    record Home(String name, String router, String peer, String wan, String wan6) {
    }

    /** Which addresses a home has. */
    enum Stack { IPV4, DUAL, IPV6_ONLY }

    /** What a degraded WAN link does, each way. */
    record Conditions(String name, int delayMillis, double loss, int rateKbit) {
    }

    final Namespaces net;
    final Path work;
    private final Map<String, Home> homes = new LinkedHashMap<>();
    private final Path emulator;
    /**
     * The node with TURN, and the one without (bound to {@code ::}: IPv4 and IPv6 on one socket), as
     * HOST:PORT; the latter also at its IPv6 address. Peers that are to show that STUN from the node is
     * enough use the one without TURN: with a relay on offer, WebRTC may pick the relayed pair if it
     * answers its checks first.
     */
    String dht;
    String dhtWithoutTurn;
    String dhtWithoutTurn6;
    /** coturn's static-auth-secret, to make credentials of the test's own (relay-only, wrong password). */
    byte[] turnSecret;

    NatLab(Namespaces net, Path work) throws IOException {
        this.net = net;
        this.work = work;
        this.emulator = work.resolve("link-emulator.py");
        try (InputStream in = NatLab.class.getResourceAsStream("link-emulator.py")) {
            Files.copy(in, emulator);
        }
    }

    /** Builds the network and starts coturn and both dht-servers. */
    void build(Map<String, Boolean> v4Homes, List<String> v6OnlyHomes) throws Exception {
        String sw = net.name("sw");
        net.bridge(sw, "br0");
        String srv = net.add("srv");
        net.plug(sw, "br0", "port10", srv, "eth0", SERVER + "/16");
        net.ip(srv, "-6", "addr", "add", SERVER6 + "/48", "dev", "eth0", "nodad");
        net.plug(sw, "br0", "port13", net.add("pub"), "eth0", PUBLIC_PEER + "/16");
        int host = 21;
        for (Map.Entry<String, Boolean> home : v4Homes.entrySet()) {
            buildHome(home.getKey(), host++, home.getValue(), Stack.DUAL);
        }
        for (String name : v6OnlyHomes) {
            buildHome(name, host++, false, Stack.IPV6_ONLY);
        }
        turnSecret = new byte[24];
        new java.security.SecureRandom().nextBytes(turnSecret);
        Path secretFile = work.resolve("turn-secret");
        Files.writeString(secretFile, java.util.Base64.getEncoder().encodeToString(turnSecret) + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        // coturn takes the secret as text: the bytes the node uses are that text's (the file's line, stripped).
        turnSecret = Files.readString(secretFile).strip().getBytes(StandardCharsets.UTF_8);
        startCoturn(new String(turnSecret, StandardCharsets.UTF_8));
        dht = SERVER + ":" + startDhtServer("dht-server (TURN)", "--bind", SERVER, "--turn-url",
                "turn:" + SERVER + ":3478?transport=udp", "--turn-secret-file", secretFile.toString());
        String port = startDhtServer("dht-server (no TURN, dual-stack)", "--bind", "::");
        dhtWithoutTurn = SERVER + ":" + port;
        dhtWithoutTurn6 = "[" + SERVER6 + "]:" + port;
    }

    Home home(String name) {
        return homes.get(name);
    }

    /**
     * A router with its WAN on the bridge (through its own wire, see the class comment) and a LAN cable to
     * one peer, forwarding through nftables NAT: masquerade out (keeping the port: endpoint-independent; or
     * {@code fully-random}: a new port per destination, a symmetric NAT), and only what belongs to a flow
     * the LAN started comes in.
     */
    private void buildHome(String name, int wanHost, boolean symmetric, Stack stack) throws Exception {
        String router = net.add(name);
        String peer = net.add(name + "pc");
        String sw = net.name("sw");
        String port = "port" + wanHost;
        net.ip(sw, "link", "add", port, "type", "veth", "peer", "name", "uplink", "netns", router);
        net.ip(sw, "link", "set", port, "master", "br0");
        net.ip(sw, "link", "set", port, "up");
        net.ip(router, "link", "add", "wan", "type", "veth", "peer", "name", "wanx");
        net.ip(router, "link", "add", "brw", "type", "bridge");
        for (String device : List.of("wanx", "uplink", "brw")) {
            net.exec(router, "sysctl", "-qw", "net.ipv6.conf." + device + ".disable_ipv6=1");
        }
        // The wire is a bridge: its frames must not go through the router's own firewall (br_netfilter is
        // built into some kernels, this one's included, and would drop IPv6 neighbour discovery there).
        // Where br_netfilter is not loaded there is no such setting, and nothing to turn off.
        net.tryExec(router, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0");
        net.ip(router, "link", "set", "wanx", "master", "brw");
        net.ip(router, "link", "set", "uplink", "master", "brw");
        for (String device : List.of("wanx", "uplink", "brw", "wan")) {
            net.ip(router, "link", "set", device, "up");
        }
        // The emulator reads and writes whole frames: checksums must be in them, not left to a NIC.
        net.exec(router, "ethtool", "-K", "wan", "tx", "off");
        net.exec(sw, "ethtool", "-K", port, "tx", "off");
        String wan = stack == Stack.IPV6_ONLY ? null : "198.18." + wanHost + ".1";
        String wan6 = stack == Stack.IPV4 ? null : "fdd5:4ea1:7f3e:" + Integer.toHexString(wanHost) + "::1";
        net.ip(router, "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", peer);
        net.ip(router, "link", "set", "lan", "up");
        net.ip(peer, "link", "set", "eth0", "up");
        if (wan != null) {
            net.ip(router, "addr", "add", wan + "/16", "dev", "wan");
            net.ip(router, "addr", "add", PRIVATE_ROUTER + "/24", "dev", "lan");
            net.ip(peer, "addr", "add", PRIVATE_PEER + "/24", "dev", "eth0");
            net.ip(peer, "route", "add", "default", "via", PRIVATE_ROUTER);
            net.exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }
        if (wan6 != null) {
            net.ip(router, "-6", "addr", "add", wan6 + "/48", "dev", "wan", "nodad");
            net.ip(router, "-6", "addr", "add", LAN6 + "1/64", "dev", "lan", "nodad");
            net.ip(peer, "-6", "addr", "add", LAN6 + "2/64", "dev", "eth0", "nodad");
            net.ip(peer, "-6", "route", "add", "default", "via", LAN6 + "1");
            net.exec(router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        }
        String masquerade = "oifname \"wan\" masquerade " + (symmetric ? "fully-random" : "");
        String rules = """
                table ip nat {
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    %1$s
                  }
                }
                table ip6 nat {
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    %1$s
                  }
                }
                table inet filter {
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
                    meta l4proto ipv6-icmp accept
                    iifname "wan" counter drop
                  }
                }
                """.formatted(masquerade);
        Path file = Files.createTempFile("nat-" + name, ".nft");
        try {
            Files.writeString(file, rules, StandardCharsets.UTF_8);
            net.exec(router, "nft", "-f", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
        homes.put(name, new Home(name, router, peer, wan, wan6));
    }

    /**
     * Puts the link emulator on {@code homes}' WAN links until the returned handle is closed, which prints
     * what the emulator did (frames forwarded, lost, dropped for a full queue).
     */
    AutoCloseable degrade(Conditions conditions, Home... degraded) throws Exception {
        List<Runnable> undo = new ArrayList<>();
        int seed = 1;
        for (Home home : degraded) {
            String router = home.router();
            net.ip(router, "link", "set", "wanx", "nomaster");
            net.ip(router, "link", "set", "uplink", "nomaster");
            net.ip(router, "link", "set", "wanx", "promisc", "on");
            net.ip(router, "link", "set", "uplink", "promisc", "on");
            String label = "link emulator " + home.name() + " " + conditions.name();
            Process p = net.startCommand(router, label, List.of("python3", emulator.toString(), "wanx", "uplink",
                    Integer.toString(conditions.delayMillis()), Double.toString(conditions.loss()),
                    Integer.toString(conditions.rateKbit()), "1000", Integer.toString(seed++)));
            awaitOutput(label, "ready", p);
            undo.add(() -> {
                p.destroy();
                try {
                    p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                    System.out.printf("NatTraversalIT %s: %s%n", label, net.output(label).replace("ready\n", "").strip());
                    net.ip(router, "link", "set", "wanx", "master", "brw");
                    net.ip(router, "link", "set", "uplink", "master", "brw");
                } catch (Exception e) {
                    throw new AssertionError("restoring " + home.name() + "'s WAN link: " + e, e);
                }
            });
        }
        return () -> undo.forEach(Runnable::run);
    }

    private void awaitOutput(String label, String wanted, Process p) throws Exception {
        long deadline = System.nanoTime() + SERVER_START.toNanos();
        while (!net.output(label).contains(wanted)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(label + " did not start: " + net.output(label));
            }
            Thread.sleep(20);
        }
    }

    private String startDhtServer(String label, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--port", "0", "--stats", "10"));
        all.addAll(List.of(args));
        ProgramProcess server = net.start(net.name("srv"), label, "dht-server", all.toArray(String[]::new));
        Matcher m = READY.matcher(server.awaitLine("the ready line", SERVER_START, l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        return m.group(1);
    }

    /** coturn with the configuration the README gives operators, on the server's address only; ready once it answers STUN. */
    private void startCoturn(String secret) throws Exception {
        Path conf = work.resolve("turnserver.conf");
        Files.writeString(conf, String.join("\n",
                "listening-ip=" + SERVER,
                "relay-ip=" + SERVER,
                "listening-port=3478",
                "min-port=49152",
                "max-port=49407",
                "realm=nat.test",
                "use-auth-secret",
                "static-auth-secret=" + secret,
                "fingerprint",
                "no-tls",
                "no-dtls",
                "no-cli",
                "no-rfc5780",
                "no-multicast-peers",
                // The peers' private addresses are unreachable from here (see NatTraversalIT's comment).
                "denied-peer-ip=198.19.0.0-198.19.255.255",
                "pidfile=" + work.resolve("turnserver.pid"),
                "log-file=stdout",
                "simple-log",
                "verbose",
                ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
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

    @Override
    public void close() throws Exception {
        net.close();
    }
}
