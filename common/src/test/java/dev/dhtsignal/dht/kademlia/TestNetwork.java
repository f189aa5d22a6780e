package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * An in-JVM network of real nodes on loopback, each on a free port, with ids from a seeded random source
 * so that a failing run can be reproduced. Each node joins through a node started before it.
 */
public final class TestNetwork implements AutoCloseable {
    private final List<KademliaNode> nodes = new ArrayList<>();
    private final Random random;
    private final UnaryOperator<KademliaConfig.Builder> customize;

    public TestNetwork(long seed, UnaryOperator<KademliaConfig.Builder> customize) {
        this.random = new Random(seed);
        this.customize = customize;
    }

    public TestNetwork(long seed) {
        this(seed, b -> b);
    }

    public static TestNetwork of(int size, long seed) throws IOException {
        return of(size, seed, b -> b);
    }

    public static TestNetwork of(int size, long seed, UnaryOperator<KademliaConfig.Builder> customize) throws IOException {
        TestNetwork net = new TestNetwork(seed, customize);
        for (int i = 0; i < size; i++) {
            net.addNode();
        }
        return net;
    }

    public KademliaConfig.Builder baseConfig() {
        return KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .nodeId(NodeId.random(random))
                .random(new Random(random.nextLong()))
                .threadName("test-dht");
    }

    /** Starts a node and joins it through an earlier one (chosen by the seeded random source). */
    public KademliaNode addNode() throws IOException {
        return addNode(customize.apply(baseConfig()).build());
    }

    public KademliaNode addNode(KademliaConfig config) throws IOException {
        KademliaNode node = KademliaNode.start(config);
        List<KademliaNode> live = nodes.stream().filter(n -> !n.isClosed()).toList();
        if (!live.isEmpty()) {
            KademliaNode via = live.get(random.nextInt(live.size()));
            BootstrapResult r = Await.result("node " + nodes.size() + " joining via " + via.localAddress(),
                    Duration.ofSeconds(60), node.bootstrap(List.of(via.localAddress())));
            if (r.reached().isEmpty()) {
                throw new AssertionError("node " + nodes.size() + " could not reach " + via.localAddress());
            }
        }
        nodes.add(node);
        return node;
    }

    public KademliaNode node(int i) {
        return nodes.get(i);
    }

    public List<KademliaNode> nodes() {
        return nodes;
    }

    public List<KademliaNode> live() {
        return nodes.stream().filter(n -> !n.isClosed()).toList();
    }

    public Random random() {
        return random;
    }

    public int size() {
        return nodes.size();
    }

    @Override
    public void close() {
        nodes.forEach(KademliaNode::close);
    }
}
