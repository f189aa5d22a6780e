package dev.dhtsignal.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.testing.Await;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gathering waits about a second for a STUN server that gives nothing, but longer for a TURN server that is
 * still setting up a relay: coturn behind a relay of the test's own that delays every datagram by 600 ms
 * each way, so that an allocation (two round trips) takes about 2.4 s, beside a STUN server that never
 * answers. The offer must carry the relay candidate, and only the STUN server be named as silent. coturn
 * listens on this machine's own interface address, as libwebrtc gathers nothing on loopback; traffic to it
 * never leaves the machine. Skipped without coturn or such an address.
 */
class GatheringLimitsTest {
    private static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
    private static final byte[] SECRET = "gathering-limits-secret".getBytes(StandardCharsets.UTF_8);
    private static final long DELAY_MILLIS = 600;

    @TempDir
    Path dir;
    private Process coturn;
    private DatagramSocket front;
    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() throws Exception {
        if (front != null) {
            front.close();
        }
        delayer.shutdownNow();
        if (coturn != null) {
            coturn.destroy();
            coturn.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSlowTurnServerIsWaitedForWhileASilentStunServerIsNot() throws Exception {
        assumeTrue(Files.isExecutable(TURNSERVER), TURNSERVER + " is not installed (apt-get install coturn)");
        Optional<InetAddress> own = ownInterfaceAddress();
        assumeTrue(own.isPresent(), "this machine has no IPv4 interface address besides loopback");
        InetAddress address = own.get();
        int turnPort = freePort(address);
        int relayFrom = 20_000 + ThreadLocalRandom.current().nextInt(40_000);
        coturn = new ProcessBuilder(TURNSERVER.toString(), "-n", "--listening-ip=" + address.getHostAddress(),
                "--listening-port=" + turnPort, "--relay-ip=" + address.getHostAddress(), "--min-port=" + relayFrom,
                "--max-port=" + (relayFrom + 99), "--use-auth-secret",
                "--static-auth-secret=" + new String(SECRET, StandardCharsets.UTF_8), "--realm=test.invalid",
                "--no-tls", "--no-dtls", "--no-cli", "--simple-log", "--log-file=" + dir.resolve("turn.log"),
                "--pidfile=" + dir.resolve("turn.pid"), "--userdb=" + dir.resolve("turn.db"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("turnserver.out").toFile()).start();
        InetSocketAddress turn = new InetSocketAddress(address, turnPort);
        InetSocketAddress slow = startDelayingRelay(address, turn);
        TurnServer credentials = new TurnRestCredentials(List.of("turn:" + address.getHostAddress() + ":" + slow.getPort()
                + "?transport=udp"), SECRET, Duration.ofMinutes(10), Clock.systemUTC()).issue();
        RtcConfig config = new RtcConfig(List.of(IceServer.parse("stun:127.0.0.1:9"),
                new IceServer(credentials.urls(), credentials.username(), credentials.credential())),
                RtcConfig.DEFAULT_ICE_GATHERING_TIMEOUT);
        try (RtcFactory factory = new RtcFactory()) {
            // coturn may take a moment to listen: the first offer tries until a relay comes, within bounds.
            for (int attempt = 1; ; attempt++) {
                RtcPeer peer = factory.createPeer(config);
                peer.createDataChannel("chat");
                SessionDescription offer = Await.result("the offer", peer.createOffer());
                List<String> problems = peer.iceServerProblems();
                peer.close();
                if (offer.sdp().contains(" typ relay") || attempt == 5) {
                    assertTrue(offer.sdp().contains(" typ relay"), "the slow TURN server's relay was waited for:\n"
                            + offer.sdp() + "\n" + problems + "\n" + Files.readString(dir.resolve("turnserver.out")));
                    assertEquals(1, problems.size(), problems.toString());
                    assertTrue(problems.get(0).startsWith("STUN server stun:127.0.0.1:9 did not answer within 1000 ms"),
                            problems.get(0));
                    return;
                }
                Thread.sleep(500);
            }
        }
    }

    /** A UDP relay to {@code target} that holds every datagram {@value #DELAY_MILLIS} ms, each way. */
    private InetSocketAddress startDelayingRelay(InetAddress address, InetSocketAddress target) throws Exception {
        front = new DatagramSocket(new InetSocketAddress(address, 0));
        ConcurrentHashMap<InetSocketAddress, DatagramSocket> upstreams = new ConcurrentHashMap<>();
        Thread in = new Thread(() -> {
            byte[] buf = new byte[65536];
            while (!front.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    front.receive(p);
                    InetSocketAddress client = (InetSocketAddress) p.getSocketAddress();
                    byte[] data = Arrays.copyOf(p.getData(), p.getLength());
                    DatagramSocket up = upstreams.computeIfAbsent(client, c -> upstream(address, c));
                    delayer.schedule(() -> send(up, data, target), DELAY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    return;
                }
            }
        }, "delaying-relay");
        in.setDaemon(true);
        in.start();
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    private DatagramSocket upstream(InetAddress address, InetSocketAddress client) {
        try {
            DatagramSocket up = new DatagramSocket(new InetSocketAddress(address, 0));
            Thread back = new Thread(() -> {
                byte[] buf = new byte[65536];
                while (!front.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        up.receive(p);
                        byte[] data = Arrays.copyOf(p.getData(), p.getLength());
                        delayer.schedule(() -> send(front, data, client), DELAY_MILLIS, TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        up.close();
                        return;
                    }
                }
                up.close();
            }, "delaying-relay-back");
            back.setDaemon(true);
            back.start();
            return up;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(DatagramSocket socket, byte[] data, InetSocketAddress to) {
        try {
            socket.send(new DatagramPacket(data, data.length, to));
        } catch (Exception e) {
            // closed at the end of the test
        }
    }

    private static int freePort(InetAddress address) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return s.getLocalPort();
        }
    }

    private static Optional<InetAddress> ownInterfaceAddress() throws Exception {
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
}
