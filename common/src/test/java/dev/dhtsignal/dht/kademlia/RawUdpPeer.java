package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** A bare UDP socket on loopback for sending hand-made datagrams to a node and reading its replies. */
public final class RawUdpPeer implements AutoCloseable {
    private final DatagramSocket socket;

    public RawUdpPeer() throws IOException {
        this(InetAddress.getLoopbackAddress());
    }

    /** A socket on another loopback address (127.0.0.2, ...): a different source as a node sees it. */
    public RawUdpPeer(InetAddress loopbackAddress) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(loopbackAddress, 0));
    }

    /**
     * Sends a store request as node {@code sender} and returns the node's answer, skipping requests the
     * node sends meanwhile (it pings new senders); empty if no answer comes within {@code limit}.
     */
    public Optional<Boolean> store(InetSocketAddress node, NodeId sender, NodeId key, DhtValue value, Duration limit)
            throws IOException {
        MessageId id = MessageId.random(new java.security.SecureRandom());
        send(WireCodec.encodeRequest(id, new RpcRequest.Store(sender, key, value)), node);
        return nextResponse(id, limit).map(body -> {
            try {
                return ((RpcResponse.StoreReply) WireCodec.decodeResponse(RpcKind.STORE, body)).stored();
            } catch (MalformedDatagramException e) {
                throw new AssertionError("bad store reply", e);
            }
        });
    }

    /** The body of the response to message {@code id}, skipping other datagrams; empty after {@code limit}. */
    public Optional<byte[]> nextResponse(MessageId id, Duration limit) throws IOException {
        return nextMatching(limit, d -> d instanceof Datagram.Response r && r.messageId().equals(id)
                ? ((Datagram.Response) d).body() : null);
    }

    /** The next request a node sends us, skipping responses; empty after {@code limit}. */
    public Optional<Datagram.Request> nextRequest(Duration limit) throws IOException {
        return nextMatching(limit, d -> d instanceof Datagram.Request r ? r : null);
    }

    /** The first datagram within {@code limit} that {@code pick} turns into a result (non-null); others are skipped. */
    private <T> Optional<T> nextMatching(Duration limit, java.util.function.Function<Datagram, T> pick) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            Optional<byte[]> got = receive(Duration.ofNanos(left));
            if (got.isEmpty()) {
                return Optional.empty();
            }
            T picked;
            try {
                picked = pick.apply(WireCodec.decode(got.get()));
            } catch (MalformedDatagramException e) {
                throw new AssertionError("a node sent a malformed datagram", e);
            }
            if (picked != null) {
                return Optional.of(picked);
            }
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public void send(byte[] datagram, InetSocketAddress to) throws IOException {
        socket.send(new DatagramPacket(datagram, datagram.length, to));
    }

    /** The next datagram received within {@code limit}, or empty. */
    public Optional<byte[]> receive(Duration limit) throws IOException {
        return receiveWithSource(limit).map(Received::data);
    }

    /** A datagram and where it came from. */
    public record Received(byte[] data, InetSocketAddress from) {
    }

    /** The next datagram received within {@code limit} with its source address, or empty. */
    public Optional<Received> receiveWithSource(Duration limit) throws IOException {
        socket.setSoTimeout((int) Math.max(1, limit.toMillis()));
        byte[] buf = new byte[65_536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
            return Optional.of(new Received(Arrays.copyOf(buf, p.getLength()), (InetSocketAddress) p.getSocketAddress()));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }

    /** Sends a request and returns the reply; fails naming the request if none comes within 5 s. */
    public byte[] call(byte[] request, InetSocketAddress to) throws IOException {
        send(request, to);
        return receive(Duration.ofSeconds(5))
                .orElseThrow(() -> new AssertionError("no reply from " + to + " within 5 s"));
    }

    @Override
    public void close() {
        socket.close();
    }
}
