package dev.dhtsignal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * A small network of real hosts on this machine, built from network namespaces: a "switch" namespace
 * holding a Linux bridge, and one namespace per host with a veth pair whose other end is a port of
 * that bridge. Host i is 198.18.0.i/24 (198.18.0.0/15 is reserved for network tests; the addresses
 * exist only inside these namespaces, and the root namespace's networking is never touched).
 *
 * <p>Five dht-servers on hosts 1-5 join into one network, 100 values are stored, the servers on hosts 1
 * and 3 are killed, every value is still found from each remaining host, and then an offerer (host 6)
 * and an answerer (host 7) connect through the surviving servers.
 *
 * <p>Needs root (and {@code ip} from iproute2). Without them the test is aborted (skipped) saying why;
 * with {@code -Dmultihost.required=true} it fails instead. Once namespaces can be created, any later
 * setup failure fails the test with the command and its output.
 */
class MultiHostIT {
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");
    private static final Pattern PING = Pattern.compile("ok (\\d+) contacts");
    private static final Pattern STATS_KEYS = Pattern.compile("stats: contacts=\\d+ keys=(\\d+) .*");
    private static final Duration SERVER_START = Duration.ofSeconds(30);
    private static final Duration CLI_LIMIT = Duration.ofSeconds(60);
    private static final Duration PEER_LIMIT = Duration.ofSeconds(60);
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(30);
    private static final int SERVERS = 5;
    private static final int HOSTS = 7;
    private static final int VALUES = 100;
    private static final String PREFIX = "multihost";

    /** The hosts; "sw" is the switch (a namespace holding the bridge). */
    private static Namespaces net;

    // -------------------------------------------------------------------------------------------------
    // The network

    static String host(int i) {
        return net.name("h" + i);
    }

    static String address(int i) {
        return "198.18.0." + i;
    }

    @BeforeAll
    static void buildNetwork() throws Exception {
        net = Namespaces.create("dhts", "multihost.required", "sw", Map.of());
        String sw = net.name("sw");
        net.bridge(sw, "br0");
        for (int i = 1; i <= HOSTS; i++) {
            String ns = net.add("h" + i);
            net.plug(sw, "br0", "port" + i, ns, "eth0", address(i) + "/24");
        }
    }

    @AfterAll
    static void deleteNetwork() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    // -------------------------------------------------------------------------------------------------
    // Programs on the hosts

    private static ProgramProcess startOn(int host, String name, String program, String... args) throws IOException {
        return net.start(host(host), name + " on host " + host, program, args);
    }

    /** Starts a dht-server on {@code host}, joining {@code join}; returns its HOST:PORT once it is ready. */
    private static String startServer(int host, String... join) throws IOException {
        // --stats: a line a second with the number of values held, to tell how widely values spread.
        List<String> args = new ArrayList<>(List.of("--port", "0", "--bind", address(host), "--stats", "1"));
        args.addAll(List.of(join));
        ProgramProcess server = startOn(host, "dht-server", "dht-server", args.toArray(String[]::new));
        Matcher m = READY.matcher(server.awaitLine("the ready line", SERVER_START, l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        if (join.length > 0) {
            assertFalse(server.stderr().contains("no answer from bootstrap"),
                    "the server on host " + host + " could not reach " + String.join(", ", join) + "\n" + server.transcript());
        }
        return address(host) + ":" + m.group(1);
    }

    private static int runCount = 0;
    /** What {@link #valuesHeld} said after the put, for the failure message. */
    private static String heldAfterPut = "(not yet known)";

    /** Runs {@code tools dht-cli --dht DHT ARGS} on {@code host} and waits for it to end. */
    private static ProgramProcess dhtCli(int host, String dht, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("dht-cli", "--dht", dht, "--timeout", "45s"));
        all.addAll(List.of(args));
        ProgramProcess cli = startOn(host, "dht-cli " + String.join(" ", args) + " #" + (++runCount), "tools",
                all.toArray(String[]::new));
        cli.awaitExit(CLI_LIMIT);
        return cli;
    }

    /** The kernel's UDP counters of a host's namespace, e.g. to tell datagrams dropped for a full buffer. */
    private static String udpCounters(int host) {
        try {
            String[] lines = net.exec(host(host), "cat", "/proc/net/snmp").output().split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                    String[] names = lines[i].split("\\s+");
                    String[] values = lines[i + 1].split("\\s+");
                    StringBuilder b = new StringBuilder("host " + host + " UDP:");
                    for (int j = 1; j < Math.min(names.length, values.length); j++) {
                        if (List.of("InDatagrams", "OutDatagrams", "InErrors", "RcvbufErrors", "NoPorts").contains(names[j])) {
                            b.append(' ').append(names[j]).append('=').append(values[j]);
                        }
                    }
                    return b.toString();
                }
            }
            return "host " + host + ": no Udp lines in /proc/net/snmp";
        } catch (Exception | AssertionError e) {
            return "host " + host + ": " + e;
        }
    }

    /** Values each live server holds by its next --stats line, e.g. "h1=100 h2=47 ...". */
    private static String valuesHeld(int servers) throws InterruptedException {
        Map<Integer, Integer> before = new LinkedHashMap<>();
        for (int i = 1; i <= servers; i++) {
            ProgramProcess server = net.program("dht-server on host " + i);
            if (server != null && server.isAlive()) {
                before.put(i, statsLines(server).size());
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> held = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : before.entrySet()) {
            ProgramProcess server = net.program("dht-server on host " + e.getKey());
            while (statsLines(server).size() <= e.getValue() && System.nanoTime() < deadline && server.isAlive()) {
                Thread.sleep(50);
            }
            List<String> lines = statsLines(server);
            Matcher m = lines.isEmpty() ? null : STATS_KEYS.matcher(lines.get(lines.size() - 1));
            held.add("h" + e.getKey() + "=" + (m != null && m.matches() ? m.group(1) : "?"));
        }
        return String.join(" ", held);
    }

    private static List<String> statsLines(ProgramProcess server) {
        return server.stderr().lines().filter(l -> l.startsWith("stats: ")).toList();
    }

    private static String transcripts() {
        StringBuilder all = new StringBuilder("\n===== values held by each server after the put: " + heldAfterPut
                + " (of " + VALUES + ") =====\n===== kernel UDP counters per host =====\n");
        for (int i = 1; i <= HOSTS; i++) {
            all.append(udpCounters(i)).append('\n');
        }
        return all.append(net.transcripts()).toString();
    }

    // -------------------------------------------------------------------------------------------------
    // The test

    @Test
    void fiveServersLoseTwoKeepAllValuesAndStillConnectTwoPeers() throws Throwable {
        try {
            scenario();
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError((e instanceof AssertionError ? e.getMessage() : e.toString()) + transcripts(), e);
        }
    }

    private void scenario() throws Exception {
        long start = System.nanoTime();
        String[] servers = new String[SERVERS + 1];
        servers[1] = startServer(1);
        for (int i = 2; i <= SERVERS; i++) {
            servers[i] = startServer(i, servers[1]);
        }
        log(start, "5 servers ready: " + String.join(" ", Arrays.asList(servers).subList(1, SERVERS + 1)));

        // Joined: a client on host 1 that joins through server 1 learns of all five servers.
        long joinDeadline = System.nanoTime() + JOIN_LIMIT.toNanos();
        int contacts = -1;
        while (true) {
            ProgramProcess ping = dhtCli(1, servers[1], "ping");
            Matcher m = ping.stdoutLines().isEmpty() ? null : PING.matcher(ping.stdoutLines().get(0));
            if (m != null && m.matches()) {
                contacts = Integer.parseInt(m.group(1));
                if (contacts >= SERVERS) {
                    break;
                }
            }
            if (System.nanoTime() > joinDeadline) {
                throw new AssertionError("the five servers did not join into one network within " + JOIN_LIMIT.toSeconds()
                        + " s: a client joining through server 1 saw " + contacts + " contacts\n" + ping.transcript());
            }
            Thread.sleep(500);
        }
        log(start, "joined: a client sees " + contacts + " contacts");

        ProgramProcess put = dhtCli(1, servers[1], "put", PREFIX, String.valueOf(VALUES));
        // How many each server holds tells, should a value go missing below, where the put left it.
        heldAfterPut = valuesHeld(SERVERS);
        log(start, "put: " + String.join(" ", put.stdoutLines()) + "; values held by each server: " + heldAfterPut);
        // With k = 20 and five servers, every value belongs on every one of them.
        assertEquals(List.of("put " + VALUES + "/" + VALUES, "copies: min " + SERVERS + ", median " + SERVERS + ", max " + SERVERS),
                put.stdoutLines(), "put through server 1: every value on all " + SERVERS + " servers\n" + put.transcript());
        assertEquals(0, put.awaitExit(CLI_LIMIT), put.transcript());

        for (int dead : new int[] {1, 3}) {
            ProgramProcess server = net.program("dht-server on host " + dead);
            server.close();  // SIGKILL: no goodbye to the others
            assertFalse(server.isAlive(), "the server on host " + dead + " survived SIGKILL");
            // 'ip netns exec' execs the program in place, so nothing may be left running on that host.
            String left = Namespaces.must(List.of("ip", "netns", "pids", host(dead))).output().strip();
            assertEquals("", left, "processes still running on host " + dead + " after killing its server");
        }
        log(start, "killed the servers on hosts 1 and 3");

        for (int host : new int[] {2, 4, 5}) {
            ProgramProcess get = dhtCli(host, servers[host], "get", PREFIX, String.valueOf(VALUES));
            assertEquals(List.of("get " + VALUES + "/" + VALUES), get.stdoutLines(),
                    "values read on host " + host + " through its own server\n" + get.transcript());
            assertEquals(0, get.awaitExit(CLI_LIMIT), get.transcript());
            log(start, "host " + host + ": all " + VALUES + " values found");
        }

        ProgramProcess answerer = startOn(7, "answerer", "answerer", "--dht", servers[5], "--once");
        ProgramProcess offerer = startOn(6, "offerer", "offerer", "--dht", servers[2], "--once");
        answerer.closeStdin();
        offerer.closeStdin();
        assertEquals(0, offerer.awaitExit(PEER_LIMIT), "offerer on host 6 through server 2\n" + offerer.transcript());
        assertEquals(0, answerer.awaitExit(PEER_LIMIT), "answerer on host 7 through server 5\n" + answerer.transcript());
        assertTrue(offerer.stdoutLines().contains("Received message from Peer B: Hello from Peer B!"), offerer.transcript());
        assertTrue(answerer.stdoutLines().contains("Received message on 'chat': Hello from Peer A!"), answerer.transcript());
        log(start, "offerer (host 6) and answerer (host 7) exchanged greetings");

        for (int alive : new int[] {2, 4, 5}) {
            ProgramProcess server = net.program("dht-server on host " + alive);
            assertTrue(server.isAlive(), "the server on host " + alive + " died\n" + server.transcript());
        }
    }

    private static void log(long start, String what) {
        System.out.printf("MultiHostIT %5.1f s: %s%n", (System.nanoTime() - start) / 1e9, what);
    }
}
