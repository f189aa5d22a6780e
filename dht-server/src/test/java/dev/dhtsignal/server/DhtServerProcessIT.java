package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dht-server jar as a real process, spoken to over UDP. */
class DhtServerProcessIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");

    static int readyPort(ProgramProcess server) {
        String line = server.awaitLine("the ready line", START, l -> READY.matcher(l).matches());
        Matcher m = READY.matcher(line);
        assertTrue(m.matches());
        return Integer.parseInt(m.group(1));
    }

    @Test
    void answersOverUdpOnceItPrintsItsReadyLineAndStopsCleanlyOnSigterm() throws Exception {
        try (ProgramProcess server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1")) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), readyPort(server));
            try (KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
                NodeId serverId = Await.result("ping", client.ping(address));
                Await.result("bootstrap", client.bootstrap(List.of(address)));
                Await.result("put", client.put("webrtc-offer", DhtValue.text("{\"sdp\":\"v=0\",\"type\":\"offer\"}")));
                assertEquals(Optional.of(DhtValue.text("{\"sdp\":\"v=0\",\"type\":\"offer\"}")),
                        Await.result("get", client.get("webrtc-offer")));
                assertEquals(InetAddress.getLoopbackAddress(), Await.result("stun", client.stun(address)).getAddress());
                assertFalse(serverId.equals(client.id()));
            }
            server.terminate();
            int code = server.awaitExit(Duration.ofSeconds(20));
            assertTrue(code == 0 || code == 143, "exit code after SIGTERM: " + code + "\n" + server.transcript());
            assertFalse(server.stderr().contains("Exception"), server.transcript());
        }
    }

    @Test
    void aSecondServerOnTheSamePortExitsWithAClearMessage() throws Exception {
        try (ProgramProcess first = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1")) {
            int port = readyPort(first);
            try (ProgramProcess second = ProgramProcess.start("dht-server", "--port", String.valueOf(port), "--bind", "127.0.0.1")) {
                assertEquals(1, second.awaitExit(START));
                assertTrue(second.stderr().contains("Address already in use") && second.stderr().contains(String.valueOf(port)),
                        second.transcript());
            }
        }
    }

    @Test
    void badArgumentsExitWithUsageErrors() throws Exception {
        for (List<String> args : List.of(List.of("not-an-address"), List.of("--ksize", "abc"), List.of("--ttl", "soon"),
                List.of("--port", "70000"), List.of("--no-such-option"))) {
            try (ProgramProcess p = ProgramProcess.start("dht-server", args.toArray(String[]::new))) {
                assertEquals(2, p.awaitExit(START), p.transcript());
                assertTrue(p.stderr().startsWith("dht-server: "), p.transcript());
                assertTrue(p.stdoutLines().isEmpty(), p.transcript());
            }
        }
    }

    @Test
    void joinsOtherServersAndWarnsAboutBootstrapAddressesThatDoNotAnswer() throws Exception {
        try (ProgramProcess first = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1")) {
            int firstPort = readyPort(first);
            try (ProgramProcess second = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1",
                    "--rpc-timeout", "500ms", "127.0.0.1:" + firstPort, "127.0.0.1:9")) {
                int secondPort = readyPort(second);
                // Logged before the ready line, but standard error is read on its own thread: wait for it.
                second.awaitStderr("the silent bootstrap warning", START, "no answer from bootstrap node 127.0.0.1:9; running on without it");
                // A value put through the second is found through the first.
                try (KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
                    Await.result("bootstrap", client.bootstrap(List.of(new InetSocketAddress("127.0.0.1", secondPort))));
                    Await.result("put", client.put("shared", DhtValue.integer(7)));
                }
                try (KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build())) {
                    Await.result("bootstrap", client.bootstrap(List.of(new InetSocketAddress("127.0.0.1", firstPort))));
                    assertEquals(Optional.of(DhtValue.integer(7)), Await.result("get", client.get("shared")));
                }
            }
        }
    }

    @Test
    void aServerOutOfMemoryExitsAtOnceWithAClearMessageInsteadOfGoingDeaf() throws Exception {
        // Limits far beyond a small heap (the server warns), and a flood of the largest values fills it.
        try (ProgramProcess server = ProgramProcess.start("dht-server", Map.of("JAVA_TOOL_OPTIONS", "-Xmx24m -XX:+UseSerialGC"),
                "--port", "0", "--bind", "127.0.0.1", "--max-bytes", "1000000000", "--max-entries", "1000000",
                "--rate-per-source", "0");
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), readyPort(server));
            server.awaitStderr("the heap warning", START, "OutOfMemoryError. Raise -Xmx");
            Random random = new Random(1);
            NodeId sender = NodeId.random(random);
            byte[] filler = new byte[8000];
            socket.setSoTimeout(1000);
            byte[] reply = new byte[1500];
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            for (int i = 0; server.isAlive() && System.nanoTime() < deadline; i++) {
                random.nextBytes(filler);
                byte[] store = WireCodec.encodeRequest(MessageId.random(random),
                        new RpcRequest.Store(sender, NodeId.random(random), DhtValue.bytes(filler)));
                socket.send(new DatagramPacket(store, store.length, address));
                if (i % 64 == 63) {
                    try {  // now and then wait for a reply, so the flood goes no faster than the server takes it
                        socket.receive(new DatagramPacket(reply, reply.length));
                    } catch (java.net.SocketTimeoutException e) {
                        // no reply yet: the loop checks whether the server is still alive
                    }
                }
            }
            assertEquals(FatalErrors.EXIT_STATUS, server.awaitExit(Duration.ofSeconds(30)), server.transcript());
            assertTrue(server.stderr().contains("fatal: java.lang.OutOfMemoryError"), server.transcript());
        }
    }
}
