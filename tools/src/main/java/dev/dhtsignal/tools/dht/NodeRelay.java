package dev.dhtsignal.tools.dht;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code node-relay}: a UDP relay in front of a node of the original network, on loopback, that passes
 * every datagram both ways (each client through an upstream socket of its own, so the node sees one
 * address per client) and, with {@code --drop-ice-servers}, drops the {@code ice_servers} requests: a node
 * that ignores them as the original's Python nodes do. For {@code scripts/bench-ice-servers.sh}, which
 * sets rounds through such a node against rounds through one that answers, both behind a relay alike.
 * Ends after {@code --for}.
 */
@Command(name = "node-relay", mixinStandardHelpOptions = true,
        description = "Relay UDP to a DHT node, optionally dropping ice_servers requests (as the Python nodes ignore them).")
public final class NodeRelay implements Callable<Integer> {
    @Option(names = "--node", paramLabel = "HOST:PORT", required = true, description = "The node to relay to.")
    String node;

    @Option(names = "--drop-ice-servers", description = "Drop ice_servers requests.")
    boolean dropIceServers;

    @Option(names = "--for", converter = DurationConverter.class, defaultValue = "10m",
            description = "How long to run (default: ${DEFAULT-VALUE}).")
    Duration runFor;

    public static void main(String[] args) {
        Logging.configure(Logging.verboseRequested(args));
        Cli.exitKeepingStdoutClean(Cli.execute(new NodeRelay(), args));
    }

    @Override
    public Integer call() throws IOException {
        InetSocketAddress target = Endpoints.parseAndResolve(node);
        Map<InetSocketAddress, DatagramChannel> upstreams = new HashMap<>();
        Map<DatagramChannel, InetSocketAddress> clients = new HashMap<>();
        long dropped = 0;
        long relayed = 0;
        try (Selector selector = Selector.open(); DatagramChannel front = DatagramChannel.open()) {
            front.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
            front.register(selector, SelectionKey.OP_READ);
            System.out.println("relaying on " + Endpoints.format((InetSocketAddress) front.getLocalAddress()));
            System.out.flush();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            long end = System.nanoTime() + runFor.toNanos();
            while (System.nanoTime() < end) {
                selector.select(Math.max(1, (end - System.nanoTime()) / 1_000_000));
                for (SelectionKey key : selector.selectedKeys()) {
                    DatagramChannel channel = (DatagramChannel) key.channel();
                    InetSocketAddress from;
                    while ((from = (InetSocketAddress) channel.receive(buf.clear())) != null) {
                        buf.flip();
                        if (channel == front) {
                            byte[] data = Arrays.copyOf(buf.array(), buf.limit());
                            if (dropIceServers && isIceServers(data)) {
                                dropped++;
                                continue;
                            }
                            DatagramChannel up = upstreams.get(from);
                            if (up == null) {
                                up = DatagramChannel.open();
                                up.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
                                up.register(selector, SelectionKey.OP_READ);
                                upstreams.put(from, up);
                                clients.put(up, from);
                            }
                            up.send(buf, target);
                        } else {
                            front.send(buf, clients.get(channel));
                        }
                        relayed++;
                    }
                }
                selector.selectedKeys().clear();
            }
            for (DatagramChannel up : upstreams.values()) {
                up.close();
            }
        }
        System.out.println("relayed " + relayed + ", dropped " + dropped + " ice_servers requests");
        return 0;
    }

    private static boolean isIceServers(byte[] data) {
        try {
            return WireCodec.decode(data) instanceof Datagram.Request r && r.request() instanceof RpcRequest.IceServers;
        } catch (MalformedDatagramException | RuntimeException e) {
            return false;
        }
    }
}
