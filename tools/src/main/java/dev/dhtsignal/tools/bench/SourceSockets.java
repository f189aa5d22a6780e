package dev.dhtsignal.tools.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Several UDP sockets aimed at one node, each on its own loopback address (127.0.0.2, 127.0.0.3, ...)
 * when the node is on IPv4 loopback. A node rate-limits per source IP address, so traffic spread over
 * many addresses looks like many peers rather than one greedy one. Linux routes all of 127.0.0.0/8 to
 * the loopback interface, so binding to any of them needs no setup. Non-blocking; one thread uses them.
 */
final class SourceSockets implements AutoCloseable {
    /** Receives what the node sent to one of the sockets. */
    interface Receiver {
        void onDatagram(byte[] data, int length, int socket) throws IOException;
    }

    private static final int BUFFER_BYTES = 4 << 20;
    /** How long a send waits in all for room in a full socket buffer before giving the datagram up. */
    private static final long SEND_PATIENCE_NANOS = 100_000_000L;

    /** Most datagrams one {@link #drain} reads from one socket. */
    private static final int MAX_DRAIN = 100_000;

    private final List<DatagramChannel> channels = new ArrayList<>();
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(65_536);
    /** Sends the empty datagrams; see {@link #sendEmpty}. Created on first use. */
    private DatagramSocket emptySender;

    private SourceSockets() {
    }

    /**
     * Opens {@code count} sockets connected to {@code target}; on IPv4 loopback the i-th is bound to
     * 127.0.0.(firstHost + i), elsewhere all are on the wildcard address (and so count as one source).
     */
    static SourceSockets open(InetSocketAddress target, int count, int firstHost) throws IOException {
        if (count < 1 || firstHost < 1 || firstHost + count > 255) {
            throw new IllegalArgumentException("sources must fit 127.0.0." + firstHost + "..127.0.0.254, got " + count);
        }
        SourceSockets s = new SourceSockets();
        try {
            boolean spread = target.getAddress() instanceof Inet4Address && target.getAddress().isLoopbackAddress();
            for (int i = 0; i < count; i++) {
                InetAddress local = spread
                        ? InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (firstHost + i)})
                        : null;
                DatagramChannel ch = DatagramChannel.open();
                s.channels.add(ch);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
                ch.bind(new InetSocketAddress(local, 0));
                // Connected: the kernel filters out anyone else, and send/receive skip address handling.
                ch.connect(target);
                ch.configureBlocking(false);
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** How many sockets (source addresses) there are. */
    int size() {
        return channels.size();
    }

    private InetSocketAddress localAddress(int socket) throws IOException {
        return (InetSocketAddress) channels.get(socket).getLocalAddress();
    }

    /**
     * Sends one datagram from socket {@code socket}. When its buffer is full, waits briefly for room
     * (the node drains it) and gives the datagram up after {@link #SEND_PATIENCE_NANOS}; returns whether
     * it went out.
     */
    boolean send(int socket, byte[] datagram) throws IOException {
        if (datagram.length == 0) {
            return sendEmpty(socket);
        }
        DatagramChannel ch = channels.get(socket);
        ByteBuffer b = ByteBuffer.wrap(datagram);
        long deadline = 0;
        while (true) {
            try {
                if (ch.write(b) > 0) {
                    return true;
                }
            } catch (java.net.PortUnreachableException e) {
                // An ICMP error from an earlier datagram: the node's port was closed at some point. Reported
                // by the caller's final ping; this datagram did not go out.
                return false;
            }
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + SEND_PATIENCE_NANOS;
            } else if (now > deadline) {
                return false;
            }
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * A DatagramChannel silently sends nothing for an empty buffer (write returns 0 and no datagram goes
     * out; so does a connected DatagramSocket), but an empty datagram is a case a node must handle. An
     * unconnected DatagramSocket, given the address with each packet, does send them; it is bound to the
     * same address as socket {@code socket}.
     */
    private boolean sendEmpty(int socket) throws IOException {
        if (emptySender == null) {
            emptySender = new DatagramSocket(new InetSocketAddress(localAddress(socket).getAddress(), 0));
        }
        try {
            emptySender.send(new DatagramPacket(new byte[0], 0, channels.get(socket).getRemoteAddress()));
            return true;
        } catch (java.net.PortUnreachableException e) {
            return false;
        }
    }

    /**
     * Hands the datagrams waiting on every socket to {@code receiver}, at most {@link #MAX_DRAIN} per
     * socket so that a node answering faster than we read cannot keep us here; returns how many.
     */
    int drain(Receiver receiver) throws IOException {
        int n = 0;
        for (int i = 0; i < channels.size(); i++) {
            DatagramChannel ch = channels.get(i);
            for (int read = 0; read < MAX_DRAIN; read++) {
                receiveBuffer.clear();
                int length;
                try {
                    length = ch.read(receiveBuffer);
                } catch (java.net.PortUnreachableException e) {
                    continue;  // the error is consumed by this read; try again for real datagrams
                }
                if (length <= 0) {
                    break;
                }
                receiver.onDatagram(receiveBuffer.array(), length, i);
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (emptySender != null) {
            emptySender.close();
        }
        for (DatagramChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a datagram socket does not fail in a way worth reporting
            }
        }
    }
}
