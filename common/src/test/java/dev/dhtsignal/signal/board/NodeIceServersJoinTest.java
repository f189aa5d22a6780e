package dev.dhtsignal.signal.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A peer joining the original network asks the node for ICE servers beside the join: our node answers in
 * time for the first connection; a node that ignores the request, as the original's Python nodes do,
 * costs the join nothing and leaves no server behind.
 */
class NodeIceServersJoinTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static KademliaNetwork.Settings through(InetSocketAddress node) {
        return new KademliaNetwork.Settings(node, Duration.ofSeconds(2), Duration.ofMillis(100), "o", "a");
    }

    @Test
    void ourNodesReplyIsThereWhenTheJoinIsDone() throws Exception {
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().bindAddress(LOOPBACK).threadName("ice-node").build())) {
            NodeIceServers asked = new NodeIceServers();
            try (KademliaNetwork joined = KademliaNetwork.join(through(node.localAddress()), "ice-peer", asked)) {
                asked.settled().get(10, TimeUnit.SECONDS);
                assertEquals(1, asked.replies().size(), asked.replies().toString());
                assertTrue(asked.replies().get(0).offer().stun(), "every dht-server answers STUN");
            }
        }
    }

    @Test
    void aNodeThatIgnoresTheRequestLeavesNoServerAndHoldsNothingUp() throws Exception {
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().bindAddress(LOOPBACK).threadName("py-node").build());
             IceServersDropped python = new IceServersDropped(node.localAddress(), Integer.MAX_VALUE)) {
            NodeIceServers asked = new NodeIceServers();
            try (KademliaNetwork joined = KademliaNetwork.join(through(python.address()), "py-peer", asked)) {
                // Settled at the end of the join, give or take the two round trips owed to the request asked again.
                asked.settled().get(2, TimeUnit.SECONDS);
                assertEquals(0, asked.replies().size());
                assertTrue(python.dropped.get() >= 2, "asked beside the join's ping, and again once the node answered a ping: "
                        + python.dropped.get());
            }
        }
    }

    @Test
    void aLostRequestIsAskedAgainInTimeForTheFirstConnection() throws Exception {
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().bindAddress(LOOPBACK).threadName("lossy-node").build());
             IceServersDropped lossy = new IceServersDropped(node.localAddress(), 1)) {
            NodeIceServers asked = new NodeIceServers();
            try (KademliaNetwork joined = KademliaNetwork.join(through(lossy.address()), "lossy-peer", asked)) {
                asked.settled().get(10, TimeUnit.SECONDS);
                assertEquals(1, lossy.dropped.get());
                assertEquals(1, asked.replies().size(), "the reply to the request asked again is there when settled");
            }
        }
    }

    /**
     * A node of the original network as the Python nodes are: all RPCs but ice_servers, which it ignores
     * (or only the first {@code drop} of them: a request lost on the way).
     */
    private static final class IceServersDropped implements AutoCloseable {
        private final DatagramSocket outside = new DatagramSocket(LOOPBACK);
        private final DatagramSocket inside = new DatagramSocket(LOOPBACK);
        private final AtomicInteger dropped = new AtomicInteger();
        private final int drop;
        private volatile InetSocketAddress client;

        IceServersDropped(InetSocketAddress node, int drop) throws SocketException {
            this.drop = drop;
            Thread in = new Thread(() -> relay(outside, inside, node, true), "py-in");
            Thread out = new Thread(() -> relay(inside, outside, null, false), "py-out");
            in.setDaemon(true);
            out.setDaemon(true);
            in.start();
            out.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) outside.getLocalSocketAddress();
        }

        private void relay(DatagramSocket from, DatagramSocket to, InetSocketAddress target, boolean requests) {
            byte[] buf = new byte[65536];
            while (!from.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    from.receive(p);
                    if (requests) {
                        client = (InetSocketAddress) p.getSocketAddress();
                        byte[] data = java.util.Arrays.copyOf(p.getData(), p.getLength());
                        if (WireCodec.decode(data) instanceof Datagram.Request r && r.request() instanceof RpcRequest.IceServers
                                && dropped.get() < drop) {
                            dropped.incrementAndGet();
                            continue;
                        }
                    }
                    to.send(new DatagramPacket(p.getData(), p.getLength(), requests ? target : client));
                } catch (Exception e) {
                    if (from.isClosed()) {
                        return;
                    }
                }
            }
        }

        @Override
        public void close() {
            outside.close();
            inside.close();
        }
    }
}
