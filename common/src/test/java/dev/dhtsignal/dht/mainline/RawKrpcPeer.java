package dev.dhtsignal.dht.mainline;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bare KRPC socket on a loopback address of the test's choosing (127.0.0.x: a host of its own to the
 * node), that sends queries and reads replies but never answers anything: to the node it is a sender
 * that can never be verified, exactly as a forged source is. Counts the bytes both ways.
 */
final class RawKrpcPeer implements AutoCloseable {
    private final DatagramSocket socket;
    private final byte[] id;
    private int nextTransaction;
    long bytesSent;
    long bytesReceived;
    long queriesReceived;

    RawKrpcPeer(String loopbackAddress, byte[] id) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(loopbackAddress), 0));
        this.socket.setReceiveBufferSize(1 << 20);
        this.id = id;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Sends a query; returns its size. */
    int send(InetSocketAddress to, String method, Map<String, Object> arguments) throws IOException {
        Map<String, Object> a = new HashMap<>(arguments);
        a.put("id", id);
        byte[] t = ByteBuffer.allocate(4).putInt(nextTransaction++).array();
        byte[] b = KrpcCodec.encode(new KrpcMessage.Query(t, method, new Dict(a), false));
        socket.send(new DatagramPacket(b, b.length, to));
        bytesSent += b.length;
        return b.length;
    }

    /**
     * The next reply (a response or an error) within {@code millis}, or empty. The node's own queries (its
     * pings to verify us, which we never answer) are counted in {@link #bytesReceived} and passed over.
     */
    Optional<KrpcMessage> receive(int millis) throws IOException {
        byte[] buf = new byte[2048];
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return Optional.empty();
            }
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) left);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            bytesReceived += p.getLength();
            KrpcMessage m;
            try {
                m = KrpcCodec.decode(p.getData(), p.getLength());
            } catch (KrpcFormatException e) {
                throw new AssertionError("the node sent something unreadable: " + e.getMessage(), e);
            }
            if (!(m instanceof KrpcMessage.Query)) {
                return Optional.of(m);
            }
            queriesReceived++;
        }
    }

    /** Sends a query and waits up to 30 s for its reply (a response or an error). */
    KrpcMessage ask(InetSocketAddress to, String method, Map<String, Object> arguments) throws IOException {
        send(to, method, arguments);
        return receive(30_000).orElseThrow(() -> new AssertionError("no reply to " + method + " within 30 s"));
    }

    /** A write token from {@code to}, through a get. */
    byte[] token(InetSocketAddress to) throws Exception {
        KrpcMessage r = ask(to, "get", Map.of("target", new byte[20]));
        return ((KrpcMessage.Response) r).values().bytes("token");
    }

    @Override
    public void close() {
        socket.close();
    }
}
