package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.ProgramProcess;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --data-dir}: values, the node id and contacts survive restarts, including kill -9. */
class DataDirProcessIT {
    @TempDir
    Path dir;

    private static ProgramProcess server(Path dataDir, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--bind", "127.0.0.1", "--data-dir", dataDir.toString()));
        args.addAll(List.of(extra));
        return ProgramProcess.start("dht-server", args.toArray(String[]::new));
    }

    private static KademliaNode client(InetSocketAddress server) {
        KademliaNode node;
        try {
            node = KademliaNode.start(KademliaConfig.builder().clientOnly(true).build());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        Await.result("joining " + server, node.bootstrap(List.of(server)));
        return node;
    }

    @Test
    void valuesAcknowledgedBeforeAKillMinus9AreThereAfterTheRestartWithTheSameNodeId() throws Exception {
        NodeId idBefore;
        InetSocketAddress first;
        try (ProgramProcess server = server(dir)) {
            first = new InetSocketAddress("127.0.0.1", DhtServerProcessIT.readyPort(server));
            try (KademliaNode client = client(first)) {
                idBefore = Await.result("ping", client.ping(first));
                List<CompletableFuture<?>> puts = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    puts.add(client.put("kept-" + i, DhtValue.text("value " + i)));
                }
                for (CompletableFuture<?> p : puts) {
                    Await.result("put", p);
                }
            }
            // Killed right after the last acknowledgement: stronger than the promised one-second margin,
            // because a store is written before it is acknowledged.
        }  // close() is SIGKILL: no shutdown hook runs

        try (ProgramProcess restarted = server(dir)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", DhtServerProcessIT.readyPort(restarted));
            try (KademliaNode client = client(address)) {
                assertEquals(idBefore, Await.result("ping after restart", client.ping(address)), "same node id");
                for (int i = 0; i < 200; i++) {
                    assertEquals(Optional.of(DhtValue.text("value " + i)), Await.result("get", client.get("kept-" + i)),
                            "kept-" + i + "\n" + restarted.transcript());
                }
            }
            restarted.awaitStderr("the count of values loaded", Duration.ofSeconds(30), "200 values loaded");
        }
    }

    @Test
    void aRestartedNodeRejoinsThroughTheContactsItKnew() throws Exception {
        Path otherDir = dir.resolve("other");
        try (ProgramProcess hub = server(dir.resolve("hub"))) {
            int hubPort = DhtServerProcessIT.readyPort(hub);
            try (ProgramProcess member = server(otherDir, "127.0.0.1:" + hubPort)) {
                DhtServerProcessIT.readyPort(member);
                Await.until("the member to save the hub as a contact", Duration.ofSeconds(30), () -> {
                    try {
                        return Files.readString(otherDir.resolve("node-state.json")).contains("\"port\" : " + hubPort);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
            }
            // Restarted with no address given, it joins the hub it knew.
            try (ProgramProcess member = server(otherDir)) {
                DhtServerProcessIT.readyPort(member);
                // Logged before the ready line, but standard error is read by a thread of its own.
                Await.until("the restarted member to say it joined through the hub", Duration.ofSeconds(30),
                        () -> member.stderr().contains("joined through 1 of 1 bootstrap node;"));
            }
        }
    }

    @Test
    void aDataDirInUseByAnotherServerIsRefusedWithItsName() throws Exception {
        try (ProgramProcess first = server(dir)) {
            DhtServerProcessIT.readyPort(first);
            try (ProgramProcess second = server(dir)) {
                assertEquals(1, second.awaitExit(Duration.ofSeconds(30)), second.transcript());
                assertTrue(second.stderr().contains(dir.toString()), second.transcript());
            }
        }
    }

    @Test
    void aDamagedValuesFileIsReportedAndSetAsideNotLoadedAsGarbage() throws Exception {
        try (ProgramProcess server = server(dir)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", DhtServerProcessIT.readyPort(server));
            try (KademliaNode client = client(address)) {
                for (int i = 0; i < 20; i++) {
                    Await.result("put", client.put("k" + i, DhtValue.integer(i)));
                }
            }
        }
        Path log;
        try (Stream<Path> files = Files.list(dir)) {
            log = files.filter(p -> p.getFileName().toString().equals("values.log")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(log);
        bytes[bytes.length / 3] ^= (byte) 0xff;  // damage in the middle, not a torn tail
        Files.write(log, bytes);
        try (ProgramProcess restarted = server(dir)) {
            DhtServerProcessIT.readyPort(restarted);
            restarted.awaitStderr("that the damaged log was set aside", Duration.ofSeconds(30), "set aside");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("values.log.damaged-")));
        }
    }
}
