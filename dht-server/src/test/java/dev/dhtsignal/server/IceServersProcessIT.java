package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.stun.StunCodec;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.ProgramProcess;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dht-server as a real process: STUN on its port, TURN credentials from its secret file, and its refusals. */
class IceServersProcessIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String SECRET = "process-test-secret";
    private static final String TURN_URL = "turn:127.0.0.1:3478?transport=udp";

    @TempDir
    Path dir;

    private Path secretFile(String content, String permissions) throws Exception {
        Path f = Files.createTempFile(dir, "turn-secret-", "");
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(permissions));
        return f;
    }

    @Test
    void badTurnSettingsEndWithOneLineAndExitCode2() throws Exception {
        Path good = secretFile(SECRET + "\n", "rw-------");
        List<List<String>> cases = List.of(
                List.of("--turn-url", TURN_URL, "--turn-secret-file", dir.resolve("absent").toString()),
                List.of("--turn-url", TURN_URL, "--turn-secret-file", secretFile("\n", "rw-------").toString()),
                List.of("--turn-url", TURN_URL, "--turn-secret-file", secretFile(SECRET, "rw-r--r--").toString()),
                List.of("--turn-url", TURN_URL),
                List.of("--turn-secret-file", good.toString()),
                List.of("--turn-url", "stun:127.0.0.1", "--turn-secret-file", good.toString()),
                List.of("--turn-url", TURN_URL, "--turn-secret-file", good.toString(), "--turn-ttl", "2h"));
        List<String> expected = List.of("no such file", "is empty", "is readable by every user of this machine; chmod 600 it",
                "--turn-url needs --turn-secret-file", "--turn-secret-file needs at least one --turn-url",
                "is not a turn: or turns: URL", "between 1 minute and 1 hour");
        for (int i = 0; i < cases.size(); i++) {
            List<String> args = new ArrayList<>(List.of("--port", "0", "--bind", "127.0.0.1"));
            args.addAll(cases.get(i));
            try (ProgramProcess p = ProgramProcess.start("dht-server", args.toArray(String[]::new))) {
                assertEquals(2, p.awaitExit(START), p.transcript());
                String err = p.stderr().strip();
                assertTrue(err.startsWith("dht-server: ") && err.contains(expected.get(i)), p.transcript());
                assertTrue(!err.contains(SECRET), "the secret is never printed: " + err);
            }
        }
    }

    @Test
    void aKademliaServerAnswersStunAndHandsOutCredentialsFromItsSecret() throws Exception {
        Path secret = secretFile(SECRET + "\n", "rw-------");
        try (ProgramProcess server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1",
                "--turn-url", TURN_URL, "--turn-secret-file", secret.toString(), "--turn-ttl", "5m", "--stats", "1")) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), DhtServerProcessIT.readyPort(server));
            stunAnswers(address);
            try (KademliaNode peer = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
                checkCredentials(Await.result("ice_servers", peer.iceServers(address)), Duration.ofMinutes(5));
            }
            server.awaitStderr("the STUN counters in the stats line", START, "stun: answered=1 refused=0 dropped=0");
        }
    }

    @Test
    void aMainlineServerDoesTheSame() throws Exception {
        Path secret = secretFile(SECRET, "r--------");
        try (ProgramProcess server = ProgramProcess.start("dht-server", "--network", "mainline", "--port", "0", "--bind",
                "127.0.0.1", "--turn-url", TURN_URL, "--turn-secret-file", secret.toString(), "--stats", "1", "127.0.0.1:9")) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), DhtServerProcessIT.readyPort(server));
            stunAnswers(address);
            try (MainlineNode peer = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))) {
                checkCredentials(Await.result("ice_servers", peer.iceServers(address)), Duration.ofMinutes(10));
            }
            server.awaitStderr("the STUN counters in the stats line", START, "stun: answered=1");
        }
    }

    @Test
    void noStunMeansNoAnswer() throws Exception {
        try (ProgramProcess server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--no-stun")) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), DhtServerProcessIT.readyPort(server));
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                byte[] request = StunCodec.bindingRequest(new byte[12]);
                s.send(new DatagramPacket(request, request.length, address));
                s.setSoTimeout(1000);
                DatagramPacket p = new DatagramPacket(new byte[256], 256);
                try {
                    s.receive(p);
                    throw new AssertionError("a node started with --no-stun answered STUN");
                } catch (java.net.SocketTimeoutException expected) {
                    // no answer
                }
            }
            try (KademliaNode peer = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
                assertEquals(IceServerOffer.NONE, Await.result("ice_servers", peer.iceServers(address)));
            }
        }
    }

    private static void stunAnswers(InetSocketAddress address) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] request = StunCodec.bindingRequest(new byte[12]);
            s.send(new DatagramPacket(request, request.length, address));
            s.setSoTimeout(10_000);
            DatagramPacket p = new DatagramPacket(new byte[256], 256);
            s.receive(p);
            assertEquals(s.getLocalSocketAddress(), StunCodec.mappedAddress(StunCodec.decode(p.getData(), p.getLength())));
        }
    }

    private static void checkCredentials(IceServerOffer offer, Duration ttl) {
        assertTrue(offer.stun());
        TurnServer turn = offer.turn().get(0);
        assertEquals(List.of(TURN_URL), turn.urls());
        assertEquals(TurnRestCredentials.password(SECRET.getBytes(StandardCharsets.UTF_8), turn.username()), turn.credential(),
                "the secret is the file's content without its line end");
        Duration left = Duration.between(java.time.Instant.now(), turn.expires());
        assertTrue(left.compareTo(ttl) <= 0 && left.compareTo(ttl.minusMinutes(1)) > 0, left.toString());
    }
}
