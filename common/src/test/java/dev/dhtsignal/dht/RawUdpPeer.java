package dev.dhtsignal.dht;

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
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
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
