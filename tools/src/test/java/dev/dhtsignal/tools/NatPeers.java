package dev.dhtsignal.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The peers of {@link NatTraversalIT}: pairs started in the lab's namespaces, their chat, files and paths. */
final class NatPeers {
    /** The line both peers print on standard error once connected (see PathReport). */
    private static final Pattern PATH = Pattern.compile(
            "(?:offerer|answerer): connected in (\\d+) ms: local (\\S+) (\\S+) (\\S+) <-> remote (\\S+) (\\S+) (\\S+) \\((.*)\\)");
    /** The receiver's line for a finished file: "... N MiB of N MiB in 4.1 s (1.3 MB/s)". */
    private static final Pattern FILE_DONE = Pattern.compile(" in ([0-9.]+) s \\(([0-9.]+) MB/s\\)");
    /** Generous: two JVMs start on a loaded machine, then signal through the DHT and run ICE. */
    static final Duration PEER_LIMIT = Duration.ofSeconds(180);

    private final NatLab lab;
    private int caseNumber;

    NatPeers(NatLab lab) {
        this.lab = lab;
    }

    /** What one peer reported about its path. */
    record ReportedPath(String localType, String localAddress, String remoteType, String remoteAddress,
                        long connectMillis, String line) {
        boolean relayed() {
            return localType.equals("relay") || remoteType.equals("relay");
        }

        @Override
        public String toString() {
            return line;
        }
    }

    record Pair(ProgramProcess offerer, ProgramProcess answerer, ReportedPath offererPath, ReportedPath answererPath) {
    }

    /** A file sent through a pair: the paths, and the rate the receiver reported ("" when it said none). */
    record Sent(Pair pair, String rate) {
    }

    /** A fresh key pair for one run, so runs never see each other's values. */
    String key(String name) {
        return "case-" + (++caseNumber) + "-" + name;
    }

    /** Starts an answerer and an offerer, waits for both greetings, and reads the path each reports. */
    Pair connect(String name, String offererNs, String answererNs, List<String> offererArgs, List<String> answererArgs)
            throws Exception {
        String key = key(name);
        ProgramProcess answerer = lab.net.start(answererNs, key + " answerer", "answerer", args(key, answererArgs));
        ProgramProcess offerer = lab.net.start(offererNs, key + " offerer", "offerer", args(key, offererArgs));
        long start = System.nanoTime();
        awaitLine(offerer, "Received message from Peer B: Hello from Peer B!");
        awaitLine(answerer, "Received message on 'chat': Hello from Peer A!");
        ReportedPath offererPath = path(offerer);
        ReportedPath answererPath = path(answerer);
        System.out.printf("NatTraversalIT %s: greetings after %.1f s (both JVMs starting included)%n  offerer %s%n  answerer %s%n",
                name, (System.nanoTime() - start) / 1e9, offererPath, answererPath);
        return new Pair(offerer, answerer, offererPath, answererPath);
    }

    /** The options of every peer: the node with TURN unless {@code extra} names another, the case's keys. */
    String[] args(String key, List<String> extra) {
        List<String> all = new ArrayList<>();
        if (!extra.contains("--dht")) {
            all.addAll(List.of("--dht", lab.dht));
        }
        all.addAll(List.of("--offer-key", key + "-offer", "--answer-key", key + "-answer", "--connect-timeout", "60s"));
        if (Boolean.getBoolean("nat.verbose")) {
            all.add("-v");  // every candidate, the ICE servers used, the DHT's RPCs: for looking into a failure
        }
        all.addAll(extra);
        return all.toArray(String[]::new);
    }

    /**
     * Lines each way through the data channel, the last 4 KiB long (several packets over a lossy link), each
     * arriving whole; then both end their input (a half-close) and both exit cleanly.
     */
    void chat(Pair pair) throws IOException {
        String longLine = "x".repeat(4096);
        for (String line : List.of("across the NATs from A", longLine)) {
            send(pair.offerer(), line);
            awaitLine(pair.answerer(), "Received message on 'chat': " + line);
        }
        send(pair.answerer(), "and back from B");
        awaitLine(pair.offerer(), "Received message from Peer B: and back from B");
        pair.offerer().closeStdin();
        pair.answerer().closeStdin();
        assertEquals(0, pair.offerer().awaitExit(PEER_LIMIT), pair.offerer().transcript());
        assertEquals(0, pair.answerer().awaitExit(PEER_LIMIT), pair.answerer().transcript());
    }

    /**
     * A file of {@code bytes} from an offerer to an answerer through the same kind of path (a new pair: a
     * peer sending files does not chat): both exit 0, and the receiver holds the very bytes sent.
     */
    Sent sendFile(String name, String offererNs, String answererNs, int bytes, List<String> offererArgs,
                  List<String> answererArgs) throws Exception {
        String key = key(name);
        byte[] content = new byte[bytes];
        new java.util.Random(caseNumber).nextBytes(content);
        Path file = lab.work.resolve(key + ".bin");
        Files.write(file, content);
        Path inbox = Files.createDirectories(lab.work.resolve(key + "-inbox"));
        List<String> receiving = new ArrayList<>(answererArgs);
        receiving.addAll(List.of("--receive", inbox.toString()));
        List<String> sending = new ArrayList<>(offererArgs);
        sending.addAll(List.of("--send", file.toString()));
        ProgramProcess answerer = lab.net.start(answererNs, key + " answerer", "answerer", args(key, receiving));
        ProgramProcess offerer = lab.net.start(offererNs, key + " offerer", "offerer", args(key, sending));
        assertEquals(0, offerer.awaitExit(PEER_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(PEER_LIMIT), answerer.transcript());
        assertArrayEquals(content, Files.readAllBytes(inbox.resolve(file.getFileName())), "the file as sent\n" + answerer.transcript());
        Files.delete(file);
        Files.delete(inbox.resolve(file.getFileName()));
        Pair pair = new Pair(offerer, answerer, path(offerer), path(answerer));
        Matcher rate = FILE_DONE.matcher(answerer.stderr());
        // The receiver's own figure (its time from the file's first byte to its last), in kB/s: over lossy
        // links the rate is tens of kB/s, which the program's one decimal of MB/s would show as 0.0.
        String said = rate.find() ? String.format(java.util.Locale.ROOT, "%.0f kB/s (%s s)",
                bytes / 1000.0 / Math.max(0.001, Double.parseDouble(rate.group(1))), rate.group(1)) : "";
        System.out.printf("NatTraversalIT %s: %d bytes sent and verified, %s%n  offerer %s%n  answerer %s%n",
                name, content.length, said, pair.offererPath(), pair.answererPath());
        return new Sent(pair, said);
    }

    /** Waits for a line on standard output, failing as soon as the program has ended without printing it. */
    static void awaitLine(ProgramProcess peer, String line) {
        long deadline = System.nanoTime() + PEER_LIMIT.toNanos();
        while (true) {
            try {
                peer.awaitLine(line, Duration.ofSeconds(1));
                return;
            } catch (AssertionError notYet) {
                if (!peer.isAlive()) {
                    peer.awaitExit(Duration.ofSeconds(5));
                    if (peer.stdoutLines().contains(line)) {
                        return;
                    }
                    throw new AssertionError(peer + " ended without printing '" + line + "'\n" + peer.transcript());
                }
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
        }
    }

    static void send(ProgramProcess peer, String line) throws IOException {
        peer.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        peer.stdin().flush();
    }

    static ReportedPath path(ProgramProcess peer) {
        String line = awaitStderr(peer, "the path it connected through", s -> PATH.matcher(s).find());
        Matcher m = PATH.matcher(line);
        assertTrue(m.find());
        return new ReportedPath(m.group(2), host(m.group(4)), m.group(5), host(m.group(7)), Long.parseLong(m.group(1)),
                m.group(0));
    }

    /** The address part of "ADDRESS:PORT" (an IPv6 one without brackets); WebRTC hides a peer-reflexive address as "?". */
    private static String host(String addressAndPort) {
        String host = addressAndPort.substring(0, addressAndPort.lastIndexOf(':'));
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    static void assertPath(ReportedPath path, Set<String> localTypes, String localAddress, Set<String> remoteTypes) {
        assertTrue(localTypes.contains(path.localType()) && remoteTypes.contains(path.remoteType()),
                "expected a local " + localTypes + " and a remote " + remoteTypes + " candidate: " + path);
        assertEquals(localAddress, path.localAddress(), "our end of the path: " + path);
    }

    /** Waits for standard error to satisfy {@code wanted}; returns the first line that does. */
    static String awaitStderr(ProgramProcess peer, String what, Predicate<String> wanted) {
        long deadline = System.nanoTime() + PEER_LIMIT.toNanos();
        while (true) {
            boolean alive = peer.isAlive();
            if (!alive) {
                peer.awaitExit(Duration.ofSeconds(5));  // its standard error is then read to the end
            }
            for (String line : peer.stderr().split("\n")) {
                if (wanted.test(line)) {
                    return line;
                }
            }
            if (!alive || System.nanoTime() > deadline) {
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

    static String lastLine(String text, String prefix) {
        String last = "";
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                last = line;
            }
        }
        return last;
    }
}
