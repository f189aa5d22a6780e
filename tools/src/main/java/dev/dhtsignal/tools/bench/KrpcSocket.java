package dev.dhtsignal.tools.bench;

import dev.dhtsignal.dht.mainline.Dict;
import dev.dhtsignal.dht.mainline.KrpcCodec;
import dev.dhtsignal.dht.mainline.KrpcFormatException;
import dev.dhtsignal.dht.mainline.KrpcMessage;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Mainline DHT socket of an attack, on a loopback address of its own (a host of its own to the node):
 * sends KRPC queries, matches replies by transaction id, counts bytes both ways, records the transaction
 * ids of the node's queries to it, and answers them (as a node that knows no one) only when told to: a
 * socket that never answers is what a forged source looks like to the node. A thread of its own reads.
 */
final class KrpcSocket implements AutoCloseable {
    private final DatagramSocket socket;
    private final byte[] id;
    private final boolean answers;
    private final AtomicInteger nextTransaction = new AtomicInteger();
    private final Map<Integer, CompletableFuture<KrpcMessage>> waiting = new ConcurrentHashMap<>();
    private final List<byte[]> queryTransactionIds = new ArrayList<>();
    private final Thread reader;
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong responses = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    KrpcSocket(InetAddress bind, byte[] id, boolean answers) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(bind, 0));
        this.socket.setReceiveBufferSize(4 << 20);
        this.id = id.clone();
        this.answers = answers;
        this.reader = new Thread(this::read, "krpc-" + socket.getLocalSocketAddress());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    byte[] id() {
        return id.clone();
    }

    /** Sends a query without waiting for its reply (counted all the same). */
    void send(InetSocketAddress to, String method, Map<String, Object> arguments) throws IOException {
        sendQuery(to, method, arguments, nextTransaction.incrementAndGet());
    }

    /** Sends a query; the future completes with its response or error, or never (the caller bounds the wait). */
    CompletableFuture<KrpcMessage> ask(InetSocketAddress to, String method, Map<String, Object> arguments)
            throws IOException {
        int tx = nextTransaction.incrementAndGet();
        CompletableFuture<KrpcMessage> reply = new CompletableFuture<>();
        waiting.put(tx, reply);
        sendQuery(to, method, arguments, tx);
        return reply;
    }

    private void sendQuery(InetSocketAddress to, String method, Map<String, Object> arguments, int tx) throws IOException {
        Map<String, Object> a = new HashMap<>(arguments);
        a.put("id", id);
        byte[] b = KrpcCodec.encode(new KrpcMessage.Query(ByteBuffer.allocate(4).putInt(tx).array(), method,
                new Dict(a), false));
        socket.send(new DatagramPacket(b, b.length, to));
        bytesSent.addAndGet(b.length);
    }

    /** The transaction ids of the queries the node sent this socket, in order. */
    synchronized List<byte[]> queryTransactionIds() {
        return List.copyOf(queryTransactionIds);
    }

    private void read() {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketException e) {
                return;  // closed
            } catch (IOException e) {
                continue;
            }
            bytesReceived.addAndGet(p.getLength());
            KrpcMessage m;
            try {
                m = KrpcCodec.decode(p.getData(), p.getLength());
            } catch (KrpcFormatException e) {
                continue;
            }
            if (m instanceof KrpcMessage.Query q) {
                onQuery(q, (InetSocketAddress) p.getSocketAddress());
                continue;
            }
            if (m instanceof KrpcMessage.Error) {
                errors.incrementAndGet();
            } else {
                responses.incrementAndGet();
            }
            byte[] t = m.transactionId();
            CompletableFuture<KrpcMessage> f = t.length == 4 ? waiting.remove(ByteBuffer.wrap(t).getInt()) : null;
            if (f != null) {
                f.complete(m);
            }
        }
    }

    private void onQuery(KrpcMessage.Query q, InetSocketAddress from) {
        synchronized (this) {
            queryTransactionIds.add(q.transactionId());
        }
        if (!answers) {
            return;
        }
        // A node that answers, but knows no one: an empty "nodes" for any lookup.
        Map<String, Object> r = q.method().equals("ping") ? Map.of("id", id) : Map.of("id", id, "nodes", new byte[0]);
        byte[] b = KrpcCodec.encode(new KrpcMessage.Response(q.transactionId(), new Dict(r), Optional.of(from)));
        try {
            socket.send(new DatagramPacket(b, b.length, from));
        } catch (IOException e) {
            // the node will count it as a timeout
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
