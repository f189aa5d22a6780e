package dev.dhtsignal.dht.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * An independent STUN client against our nodes: coturn's {@code turnutils_stunclient} (Debian's
 * {@code coturn} package, which scripts/setup.sh installs) asks each node for its reflexive address over
 * IPv4 and IPv6 and must get the address it sent from.
 */
class StunClientInteropTest {
    private static final Path CLIENT = Path.of("/usr/bin/turnutils_stunclient");

    @Test
    void coturnsStunClientGetsItsAddressFromBothNetworksNodes() throws Exception {
        assumeTrue(Files.isExecutable(CLIENT), "coturn's turnutils_stunclient is not installed (apt-get install coturn)");
        for (String host : new String[] {"127.0.0.1", "::1"}) {
            InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(host), 0);
            try (KademliaNode kademlia = KademliaNode.start(KademliaConfig.builder().bindAddress(bind).build());
                 MainlineNode mainline = MainlineNode.start(MainlineConfig.server(bind).withThreadName("stun-interop"))) {
                ask(host, kademlia.localAddress().getPort(), () -> kademlia.stats().stun());
                ask(host, mainline.localAddress().getPort(), () -> mainline.stats().stun());
            }
        }
    }

    private static void ask(String host, int port, Supplier<StunStats> stats) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(CLIENT.toString(), "-p", Integer.toString(port), host).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "turnutils_stunclient did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        // e.g. "0: : IPv4. UDP reflexive addr: 127.0.0.1:60242"; the port is the client's own, unknown to us.
        assertTrue(out.contains("UDP reflexive addr: " + host + ":"), out);
        assertTrue(stats.get().answered() >= 1, stats.get().toString());
        assertEquals(0, stats.get().droppedTotal(), stats.get().toString());
    }
}
