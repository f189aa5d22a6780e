package dev.dhtsignal.signal.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.mainline.BootstrapCache;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Joining the Mainline DHT without --bootstrap: the first start goes through the routers and keeps the nodes it
 * met; the next start asks those first and leaves the routers alone. The "routers" here are sockets on loopback
 * (never the real ones), and the network is our own full nodes.
 */
class MainlineJoinTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private final List<MainlineNode> network = new ArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    @TempDir
    Path cacheDir;

    private static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    @BeforeEach
    void startNetwork() throws Exception {
        for (int i = 0; i < 6; i++) {
            network.add(MainlineNode.start(MainlineConfig.server(loopback()).withThreadName("join-test-" + i)));
        }
        for (int i = 1; i < network.size(); i++) {
            network.get(i).bootstrap(List.of(network.get(0).localAddress())).get(30, TimeUnit.SECONDS);
        }
        network.get(0).bootstrap(List.of(network.get(1).localAddress())).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        network.forEach(MainlineNode::close);
    }

    private BootstrapCache cache() {
        return BootstrapCache.in(cacheDir.resolve("webrtc-dht-signaling").resolve("mainline-nodes"), warnings::add);
    }

    @Test
    void theSecondStartJoinsThroughTheNodesOfTheFirstAndNotThroughTheRouters() throws Exception {
        // First start: nothing kept, so through the "router" (one of the network's nodes).
        List<InetSocketAddress> routers = List.of(network.get(0).localAddress());
        try (MainlineNetwork first = (MainlineNetwork) new MainlineNetwork.Settings(List.of(), () -> routers, cache(), LIMIT)
                .join("join-first")) {
            // A run looks things up, and so meets the nodes it keeps.
            first.node().findNode(dev.dhtsignal.dht.NodeId.random(new java.security.SecureRandom())).get(30, TimeUnit.SECONDS);
            assertTrue(first.node().contacts().size() >= MainlineNetwork.ENOUGH_CACHED, first.node().contacts().toString());
        }
        Path file = cache().file();
        assertTrue(Files.exists(file), "the nodes met are kept");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        List<InetSocketAddress> kept = cache().load();
        assertTrue(kept.size() >= MainlineNetwork.ENOUGH_CACHED, "kept: " + kept);
        assertTrue(kept.stream().allMatch(a -> a.getAddress().isLoopbackAddress()), "kept: " + kept);

        // Second start: the routers are sockets that record what reaches them; the kept nodes answer first.
        try (DatagramSocket router = new DatagramSocket(loopback())) {
            router.setSoTimeout(500);
            List<InetSocketAddress> fakeRouters = List.of((InetSocketAddress) router.getLocalSocketAddress());
            long servedBefore = network.stream().mapToLong(n -> n.stats().queriesServed()).sum();
            try (MainlineNetwork second = (MainlineNetwork) new MainlineNetwork.Settings(List.of(), () -> fakeRouters, cache(), LIMIT)
                    .join("join-second")) {
                assertFalse(second.node().contacts().isEmpty(), "joined through the kept nodes");
            }
            assertTrue(network.stream().mapToLong(n -> n.stats().queriesServed()).sum() > servedBefore);
            try {
                router.receive(new DatagramPacket(new byte[1500], 1500));
                throw new AssertionError("a router was asked although the kept nodes answered");
            } catch (SocketTimeoutException e) {
                // nothing reached the router
            }
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void keptNodesThatAreGoneLeadToTheRouters() throws Exception {
        Files.createDirectories(cache().file().getParent());
        Files.writeString(cache().file(), "127.0.0.1:9\nnot an address\nexample.org:6881\n");  // gone, junk, a name (never resolved)
        try (MainlineNetwork joined = (MainlineNetwork) new MainlineNetwork.Settings(List.of(),
                () -> List.of(network.get(2).localAddress()), cache(), LIMIT).join("join-gone")) {
            assertFalse(joined.node().contacts().isEmpty(), "joined through the router");
        }
        List<InetSocketAddress> kept = cache().load();
        assertFalse(kept.isEmpty());
        assertTrue(kept.stream().noneMatch(a -> a.getPort() == 9), "rewritten with the nodes met: " + kept);
    }

    @Test
    void anUnreadableOrUnwritableCacheIsAWarningNeverAFailure() throws Exception {
        Files.createDirectories(cache().file());  // a directory where the file should be: neither read nor replaced
        try (MainlineNetwork joined = (MainlineNetwork) new MainlineNetwork.Settings(List.of(),
                () -> List.of(network.get(1).localAddress()), cache(), LIMIT).join("join-unreadable")) {
            assertFalse(joined.node().contacts().isEmpty());
        }
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("cannot read the Mainline DHT nodes kept in "), warnings.toString());
        assertTrue(warnings.get(1).startsWith("cannot keep the Mainline DHT nodes met in "), warnings.toString());
    }

    @Test
    void givenBootstrapAddressesLeaveTheCacheAlone() throws Exception {
        try (MainlineNetwork joined = (MainlineNetwork) new MainlineNetwork.Settings(List.of(network.get(3).localAddress()),
                List::of, cache(), LIMIT).join("join-given")) {
            assertFalse(joined.node().contacts().isEmpty());
        }
        assertFalse(Files.exists(cache().file()));
    }
}
