package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * BEP 42 in a running node: once three replies report the same public address for it (the {@code ip}
 * field), a full node takes an id valid for that address; a read-only node keeps its id.
 */
class Bep42IdTest {
    private static final InetSocketAddress REPORTED = new InetSocketAddress(addr("124.31.75.21"), 6881);

    private static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers {@code count} queries, each reply saying the querier's address is {@link #REPORTED}. */
    private static Thread responder(DatagramSocket socket, int count) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1500];
            NodeId id = NodeId.random(new Random(3));
            try {
                for (int i = 0; i < count; i++) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    KrpcMessage q = KrpcCodec.decode(p.getData(), p.getLength());
                    byte[] reply = KrpcCodec.encode(new KrpcMessage.Response(q.transactionId(),
                            new Dict(Map.of("id", id.toBytes())), Optional.of(REPORTED)));
                    socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                }
            } catch (Exception e) {
                // the socket closed
            }
        }, "bep42-responder");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static boolean switchesId(MainlineConfig config) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, addr("127.0.0.1"));
             MainlineNode node = MainlineNode.start(config.withThreadName("bep42"))) {
            responder(socket, 3);
            NodeId before = node.id();
            for (int i = 0; i < 3; i++) {
                node.ping((InetSocketAddress) socket.getLocalSocketAddress()).get(30, TimeUnit.SECONDS);
            }
            return !node.id().equals(before) && Bep42.isValid(node.id(), REPORTED.getAddress());
        }
    }

    @Test
    void aFullNodeTakesAnIdForTheAddressOthersSee() throws Exception {
        assertTrue(switchesId(MainlineConfig.server(new InetSocketAddress(addr("127.0.0.1"), 0))));
    }

    @Test
    void aReadOnlyNodeKeepsItsId() throws Exception {
        assertFalse(switchesId(MainlineConfig.client(new InetSocketAddress(addr("127.0.0.1"), 0))));
    }
}
