package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node that answers each request with a body its script writes, byte for byte: how tests play a
 * Python node (or a hostile one) whose replies our codec would never produce. Requests it cannot decode
 * are ignored.
 */
public final class ScriptedPeer implements AutoCloseable {
    /** The response body for a request, or null for no reply. */
    public interface Script {
        byte[] reply(RpcRequest request) throws IOException;
    }

    private final DatagramSocket socket;
    private final Thread thread;
    private final AtomicInteger requests = new AtomicInteger();

    public ScriptedPeer(Script script) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(() -> serve(script), "scripted-peer");
        thread.setDaemon(true);
        thread.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public int requests() {
        return requests.get();
    }

    private void serve(Script script) {
        byte[] buf = new byte[65_536];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                Datagram d = WireCodec.decode(Arrays.copyOf(buf, p.getLength()));
                if (!(d instanceof Datagram.Request request)) {
                    continue;
                }
                requests.incrementAndGet();
                byte[] body = script.reply(request.request());
                if (body == null) {
                    continue;
                }
                byte[] out = new byte[WireCodec.HEADER_LENGTH + body.length];
                out[0] = WireCodec.RESPONSE;
                System.arraycopy(buf, 1, out, 1, WireCodec.HEADER_LENGTH - 1);  // the request's message id
                System.arraycopy(body, 0, out, WireCodec.HEADER_LENGTH, body.length);
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (SocketException e) {
                return;  // closed
            } catch (IOException | MalformedDatagramException e) {
                // ignore what we cannot read, as a node would
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
