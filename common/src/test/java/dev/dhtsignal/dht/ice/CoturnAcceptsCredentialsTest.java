package dev.dhtsignal.dht.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dhtsignal.dht.stun.StunCodec;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real TURN server accepts the credentials a node hands out: coturn (Debian's {@code coturn}, which
 * scripts/setup.sh installs) runs on loopback with {@code use-auth-secret} and {@code static-auth-secret},
 * and its own client, {@code turnutils_uclient}, allocates a relay with them and sends messages through it
 * to an echo peer ({@code turnutils_peer}). An expired credential and one made with another secret are
 * refused. Loopback peers are allowed for this test only ({@code --allow-loopback-peers}); the README's
 * configuration denies them.
 */
class CoturnAcceptsCredentialsTest {
    private static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
    private static final Path UCLIENT = Path.of("/usr/bin/turnutils_uclient");
    private static final Path PEER = Path.of("/usr/bin/turnutils_peer");
    private static final byte[] SECRET = "a-test-secret-of-this-run".getBytes(StandardCharsets.UTF_8);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private int turnPort;
    private int peerPort;

    @BeforeEach
    void startCoturn() throws Exception {
        for (Path p : List.of(TURNSERVER, UCLIENT, PEER)) {
            assumeTrue(Files.isExecutable(p), p + " is not installed (apt-get install coturn)");
        }
        turnPort = freePort();
        peerPort = freePort();
        int relayFrom = 20_000 + ThreadLocalRandom.current().nextInt(40_000);
        processes.add(new ProcessBuilder(TURNSERVER.toString(), "-n", "--listening-ip=127.0.0.1",
                "--listening-port=" + turnPort, "--relay-ip=127.0.0.1", "--min-port=" + relayFrom,
                "--max-port=" + (relayFrom + 199), "--use-auth-secret",
                "--static-auth-secret=" + new String(SECRET, StandardCharsets.UTF_8), "--realm=test.invalid",
                "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--simple-log",
                "--log-file=" + dir.resolve("turn.log"), "--pidfile=" + dir.resolve("turn.pid"),
                "--userdb=" + dir.resolve("turn.db"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("turnserver.out").toFile()).start());
        processes.add(new ProcessBuilder(PEER.toString(), "-p", Integer.toString(peerPort), "-L", "127.0.0.1")
                .redirectErrorStream(true).redirectOutput(dir.resolve("peer.out").toFile()).start());
        awaitStunAnswer(new InetSocketAddress(LOOPBACK, turnPort));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void freshCredentialsAllocateARelayThatCarriesMessages() throws Exception {
        TurnServer fresh = credentials(SECRET, Clock.systemUTC()).issue();
        Result r = allocate(fresh);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("tot_recv_msgs=4"), "the 4 messages came back through the relay:\n" + r.output());
    }

    @Test
    void expiredCredentialsAreRefused() throws Exception {
        // Issued two hours ago with a one-hour life: expired an hour ago, the password itself correct.
        Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        TurnServer expired = new TurnRestCredentials(List.of(url()), SECRET, Duration.ofHours(1), twoHoursAgo).issue();
        Result r = allocate(expired);
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("Cannot complete Allocation"), r.output());
    }

    @Test
    void credentialsFromAnotherSecretAreRefused() throws Exception {
        TurnServer wrong = credentials("another-secret".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()).issue();
        Result r = allocate(wrong);
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("Cannot complete Allocation"), r.output());
    }

    private TurnRestCredentials credentials(byte[] secret, Clock clock) {
        return new TurnRestCredentials(List.of(url()), secret, Duration.ofMinutes(10), clock);
    }

    private String url() {
        return "turn:127.0.0.1:" + turnPort + "?transport=udp";
    }

    private record Result(int exit, String output) {
    }

    /** One client, 2 messages each way (-n 2 -m 1) through a relay to the echo peer. */
    private Result allocate(TurnServer server) throws Exception {
        Process p = new ProcessBuilder(UCLIENT.toString(), "-u", server.username(), "-w", server.credential(),
                "-p", Integer.toString(turnPort), "-n", "2", "-m", "1", "-e", "127.0.0.1", "-r", Integer.toString(peerPort),
                "127.0.0.1").redirectErrorStream(true).start();
        processes.add(p);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("turnutils_uclient did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Waits until coturn answers a STUN Binding request (our client codec against its server). */
    private static void awaitStunAnswer(InetSocketAddress server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                byte[] tid = new byte[StunCodec.TRANSACTION_ID_BYTES];
                ThreadLocalRandom.current().nextBytes(tid);
                byte[] request = StunCodec.bindingRequest(tid);
                s.send(new DatagramPacket(request, request.length, server));
                DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
                try {
                    s.receive(reply);
                    InetSocketAddress mapped = StunCodec.mappedAddress(StunCodec.decode(reply.getData(), reply.getLength()));
                    assertEquals(s.getLocalSocketAddress(), mapped, "coturn tells us our own address");
                    return;
                } catch (SocketTimeoutException notYet) {
                    // coturn is still starting
                }
            }
        }
        throw new AssertionError("coturn did not answer STUN on " + server + " within 60 s");
    }

    /** A port free for both UDP and TCP now (coturn listens on both). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                int port = udp.getLocalPort();
                try (ServerSocket tcp = new ServerSocket(port, 1, LOOPBACK)) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no port free for both UDP and TCP on loopback");
    }
}
