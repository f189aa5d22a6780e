package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Starting and stopping nodes leaves nothing behind. */
class NodeLifecycleTest {

    @Test
    void closeStopsEveryThreadAndNothingThrewAnywhere() throws Exception {
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.compareAndSet(null, e));
        try {
            try (TestNetwork net = TestNetwork.of(5, 21, b -> b.threadName("lifecycle"))) {
                Await.result("put", net.node(0).put("k", DhtValue.text("v")));
                Await.result("get", net.node(4).get("k"));
                assertTrue(threadsNamed("lifecycle-") > 0);
                for (KademliaNode n : net.nodes()) {
                    assertEquals(0, n.stats().handlerFailures());
                }
            }
            Await.until("every lifecycle- thread to end", Duration.ofSeconds(10), () -> threadsNamed("lifecycle-") == 0);
            assertEquals(null, uncaught.get(), "no uncaught exception on any thread");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void pendingCallsFailWhenTheNodeCloses() throws Exception {
        try (RawUdpPeer silent = new RawUdpPeer()) {
            KademliaNode node = KademliaNode.start(KademliaConfig.builder().rpcTimeout(Duration.ofSeconds(30)).build());
            CompletableFuture<NodeId> ping = node.ping(silent.address());
            node.close();
            node.close();  // twice is fine
            ExecutionException e = assertThrows(ExecutionException.class, () -> ping.get(5, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
            // A call on a closed node fails at once, saying so; it neither waits for a timeout nor hangs.
            CompletableFuture<java.util.Optional<DhtValue>> late = node.get("x");
            assertTrue(late.isCompletedExceptionally(), "failed before get() returned");
            Throwable cause = assertThrows(ExecutionException.class, late::get).getCause();
            assertInstanceOf(DhtException.class, cause);
            assertTrue(cause.getMessage().contains("closed"), cause.getMessage());
        }
    }

    @Test
    void aTakenPortIsReportedWithTheAddress() throws Exception {
        try (KademliaNode first = KademliaNode.start(KademliaConfig.builder().build())) {
            InetSocketAddress taken = new InetSocketAddress(InetAddress.getLoopbackAddress(), first.localAddress().getPort());
            BindException e = assertThrows(BindException.class,
                    () -> KademliaNode.start(KademliaConfig.builder().bindAddress(taken).build()));
            assertTrue(e.getMessage().contains(String.valueOf(taken.getPort())), e.getMessage());
        }
    }

    @Test
    void badConfigurationIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KademliaConfig.builder().k(0).build());
        assertTrue(e.getMessage().contains("k (ksize)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KademliaConfig.builder().rpcTimeout(Duration.ofMillis(100)).rpcTimeoutFloor(Duration.ofSeconds(1)).build());
        assertTrue(e.getMessage().contains("floor"), e.getMessage());
    }

    @Test
    void userAddressesParseOrFailNamingTheText() {
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 8468),
                Endpoints.parseAndResolve("127.0.0.1:8468"));
        assertEquals(8468, Endpoints.parseAndResolve("localhost:8468").getPort());
        assertEquals(9, Endpoints.parseAndResolve("[::1]:9").getPort());
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "host:port", ":8468", "no.such.host.invalid:1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoints.parseAndResolve(bad));
            assertTrue(e.getMessage().contains("'") , e.getMessage());
        }
        assertTrue(Endpoints.fromWire("example.org", 80).isEmpty(), "names from the wire are not resolved");
        assertTrue(Endpoints.fromWire("127.0.0.1", 0).isEmpty());
        assertTrue(Endpoints.fromWire("localhost", 8468).isPresent());
        assertTrue(Endpoints.fromWire("::1", 8468).isPresent());
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }
}
