package dev.dhtsignal.tools.bench;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * Pings a node from a socket of its own and waits for the reply. The flooding tools use it two ways:
 * as pacing (a node reads its socket in order, so once it answers a ping sent after a batch, it has
 * taken in the batch, and the next batch cannot pile up in its socket buffer), and as the final check
 * that the node is still alive and still itself (the same node id as before).
 *
 * <p>On IPv4 loopback the socket is bound to 127.0.0.1, which the {@link SourceSockets} never use, so the
 * pings have a rate-limit bucket of their own at the node and are not dropped with the flood.
 */
final class ControlPing implements AutoCloseable {
    private final DatagramSocket socket;
    private final NodeId self;
    private final Random random;
    private final byte[] buffer = new byte[65_536];
    private long requestsFromNode;

    private ControlPing(DatagramSocket socket, NodeId self, Random random) {
        this.socket = socket;
        this.self = self;
        this.random = random;
    }

    static ControlPing open(InetSocketAddress target, Random random) throws IOException {
        InetAddress local = target.getAddress() instanceof Inet4Address && target.getAddress().isLoopbackAddress()
                ? InetAddress.getByAddress(new byte[] {127, 0, 0, 1})
                : null;
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0));
        socket.connect(target);
        return new ControlPing(socket, NodeId.random(random), random);
    }

    /**
     * Sends a ping and returns the node id in the reply, or empty if no well-formed reply with the ping's
     * message id came within {@code limit}. Anything else that arrives meanwhile (the node's own pings,
     * sent to check us as a new contact, and late replies to earlier pings) is read and ignored.
     */
    Optional<NodeId> ping(Duration limit) throws IOException {
        MessageId id = MessageId.random(random);
        byte[] request = WireCodec.encodeRequest(id, new RpcRequest.Ping(self));
        socket.send(new DatagramPacket(request, request.length));
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            } catch (java.net.PortUnreachableException e) {
                return Optional.empty();  // nothing listens on the node's port any more
            }
            Optional<NodeId> answer = pingReply(p, id);
            if (answer.isPresent()) {
                return answer;
            }
        }
    }

    /** Tries a few pings, each with a share of {@code limit}: one lost datagram should not fail a check. */
    Optional<NodeId> pingWithRetries(Duration limit, int attempts) throws IOException {
        for (int i = 0; i < attempts; i++) {
            Optional<NodeId> id = ping(limit.dividedBy(attempts));
            if (id.isPresent()) {
                return id;
            }
        }
        return Optional.empty();
    }

    private Optional<NodeId> pingReply(DatagramPacket p, MessageId expected) {
        try {
            Datagram d = WireCodec.decode(p.getData(), 0, p.getLength());
            if (d instanceof Datagram.Request) {
                requestsFromNode++;
                return Optional.empty();
            }
            Datagram.Response r = (Datagram.Response) d;
            if (!r.messageId().equals(expected)) {
                return Optional.empty();
            }
            return Optional.of(((RpcResponse.PingReply) WireCodec.decodeResponse(RpcKind.PING, r.body())).nodeId());
        } catch (MalformedDatagramException e) {
            return Optional.empty();
        }
    }

    /** Requests the node sent to this socket (its checks of us as a new contact); never answered. */
    long requestsFromNode() {
        return requestsFromNode;
    }

    @Override
    public void close() {
        socket.close();
    }
}
