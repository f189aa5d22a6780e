package dev.dhtsignal.signal;

import dev.dhtsignal.dht.kademlia.BootstrapResult;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Joins the DHT as a client: a node that looks values up and stores them but serves no one, so it never
 * becomes a routing contact that others would wait on after this program exits.
 */
public final class DhtAccess {
    private static final int JOIN_ATTEMPTS = 2;

    private DhtAccess() {
    }

    /**
     * Starts a client node and joins through {@code options.dht()}.
     *
     * @throws SignalingException naming the address when the DHT node does not answer
     */
    public static KademliaNode join(SignalingOptions options, String threadName) {
        InetAddress any = options.dht().getAddress() instanceof Inet6Address
                ? anyAddress("::") : anyAddress("0.0.0.0");
        KademliaConfig config = KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(any, 0))
                .clientOnly(true)
                .rpcTimeout(options.dhtTimeout())
                .rpcTimeoutFloor(min(options.dhtTimeout(), Duration.ofMillis(250)))
                .threadName(threadName)
                .build();
        KademliaNode node;
        try {
            node = KademliaNode.start(config);
        } catch (IOException e) {
            throw new SignalingException("cannot open a UDP socket to reach the DHT: " + e.getMessage(), e);
        }
        long started = System.nanoTime();
        try {
            for (int attempt = 1; attempt <= JOIN_ATTEMPTS; attempt++) {
                BootstrapResult r = Waits.await(node.bootstrap(List.of(options.dht())),
                        options.dhtTimeout().multipliedBy(3), "joining " + options.dhtDescription());
                if (!r.reached().isEmpty()) {
                    return node;
                }
            }
            throw new SignalingException("no answer from the DHT node at " + dev.dhtsignal.dht.Endpoints.format(options.dht())
                    // the time it really took: each attempt's pings are retried within it
                    + " within " + Waits.seconds(Duration.ofNanos(System.nanoTime() - started))
                    + " (is dht-server running there? set --dht or DHT_SERVER_HOST/DHT_SERVER_PORT)");
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static InetAddress anyAddress(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("a literal address always parses", e);
        }
    }
}
