package dev.dhtsignal.tools.peer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dht-tap}: a UDP relay in front of one DHT node that prints every RPC passing through it with the
 * time it was asked, who asked (by UDP port), what (find_value of key 'webrtc-answer' ...), what came back
 * and how long that took. Point peers at the tap instead of the node to see what their DHT traffic costs
 * (bench-connect.sh's TRACE=1 does, and merges these lines with the peers' own logs).
 *
 * <p>Works for a single-node DHT, as in the benchmarks: replies are relayed back to whoever asked, but
 * contacts handed out in find_node replies still name the real nodes. One upstream socket per client, so
 * the node sees each client as a separate source, as it would without the tap. Lines look like
 * <pre>  12:00:01.234 dht-tap  [client 45678] find_value key 'webrtc-answer' -> value 741 B in 0.4 ms</pre>
 */
@Command(name = "dht-tap", mixinStandardHelpOptions = true,
        description = "Relays UDP between DHT clients and one DHT node, printing each RPC with its timing.")
public final class DhtTap implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Option(names = "--node", paramLabel = "HOST:PORT", required = true, description = "The DHT node to relay to.")
    String node;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Loopback port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--names", paramLabel = "NAME", split = ",",
            defaultValue = "webrtc-offer,webrtc-answer",
            description = "Key names to recognise in the output, each also as NAME#1..NAME#7 (default: ${DEFAULT-VALUE}).")
    List<String> names;

    @Option(names = "--max-time", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
            description = "Stop after this long, in case nobody stops us (default: ${DEFAULT-VALUE}).")
    Duration maxTime;

    /** A request on its way to the node, remembered until its reply comes back. */
    private record Pending(long nanos, LocalTime at, int clientPort, String what) {
    }

    private final Map<MessageId, Pending> pending = new ConcurrentHashMap<>();
    private final Map<SocketAddress, DatagramSocket> upstreams = new ConcurrentHashMap<>();
    private final Map<NodeId, String> keyNames = new HashMap<>();
    private final PrintStream out = System.out;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new DhtTap(), args));
    }

    @Override
    public Integer call() throws Exception {
        InetSocketAddress target = Endpoints.parseAndResolve(node);
        for (String name : names) {
            keyNames.put(NodeId.digestOf(name), name);
            for (int i = 1; i < 8; i++) {
                keyNames.put(NodeId.digestOf(name + "#" + i), name + "#" + i);
            }
        }
        try (DatagramSocket front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            synchronized (out) {
                out.println("DHT tap listening on port " + front.getLocalPort());
                out.flush();
            }
            long deadline = System.nanoTime() + maxTime.toNanos();
            byte[] buffer = new byte[65536];
            front.setSoTimeout(1000);
            while (System.nanoTime() < deadline) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    front.receive(packet);
                } catch (java.net.SocketTimeoutException idle) {
                    continue;
                }
                byte[] data = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                SocketAddress client = packet.getSocketAddress();
                note(data, ((InetSocketAddress) client).getPort());
                upstream(front, client, target).send(new DatagramPacket(data, data.length, target));
            }
        }
        return 0;
    }

    /** The socket that relays one client's traffic, and a thread that carries the node's replies back. */
    private DatagramSocket upstream(DatagramSocket front, SocketAddress client, InetSocketAddress target) {
        return upstreams.computeIfAbsent(client, c -> {
            try {
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Thread back = new Thread(() -> relayBack(socket, front, client), "dht-tap-back");
                back.setDaemon(true);
                back.start();
                return socket;
            } catch (SocketException e) {
                throw new IllegalStateException("cannot open a relay socket: " + e.getMessage(), e);
            }
        });
    }

    private void relayBack(DatagramSocket socket, DatagramSocket front, SocketAddress client) {
        byte[] buffer = new byte[65536];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                byte[] data = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                answered(data);
                front.send(new DatagramPacket(data, data.length, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** A datagram from a client: remember requests so the reply can be matched and timed. */
    private void note(byte[] data, int clientPort) {
        try {
            if (WireCodec.decode(data) instanceof Datagram.Request r) {
                pending.put(r.messageId(), new Pending(System.nanoTime(), LocalTime.now(), clientPort, describe(r.request())));
            }
        } catch (MalformedDatagramException e) {
            print(LocalTime.now(), clientPort, "unreadable datagram (" + e.getMessage() + ")");
        }
    }

    /** A datagram from the node: print the request it answers, with what came back and how long it took. */
    private void answered(byte[] data) {
        try {
            if (!(WireCodec.decode(data) instanceof Datagram.Response r)) {
                return;
            }
            Pending p = pending.remove(r.messageId());
            if (p == null) {
                return;
            }
            double ms = (System.nanoTime() - p.nanos()) / 1e6;
            print(p.at(), p.clientPort(), String.format(java.util.Locale.ROOT, "%s -> %s in %.1f ms", p.what(),
                    result(p.what(), r.body()), ms));
        } catch (MalformedDatagramException e) {
            // Not ours to judge; the client will.
        }
    }

    private String describe(RpcRequest request) {
        if (request instanceof RpcRequest.FindValue f) {
            return "find_value " + key(f.key());
        } else if (request instanceof RpcRequest.FindNode f) {
            return "find_node " + key(f.target());
        } else if (request instanceof RpcRequest.Store s) {
            return "store " + key(s.key()) + " (" + s.value().encodedSize() + " B)";
        }
        return request.kind().wireName();
    }

    private String result(String what, byte[] body) {
        RpcKind kind = what.startsWith("find_value") ? RpcKind.FIND_VALUE : what.startsWith("find_node") ? RpcKind.FIND_NODE
                : what.startsWith("store") ? RpcKind.STORE : what.startsWith("ping") ? RpcKind.PING : RpcKind.STUN;
        try {
            RpcResponse response = WireCodec.decodeResponse(kind, body);
            if (response instanceof RpcResponse.Value v) {
                return "value " + v.value().encodedSize() + " B";
            } else if (response instanceof RpcResponse.Nodes n) {
                return n.contacts().size() + " contacts";
            } else if (response instanceof RpcResponse.StoreReply s) {
                return s.stored() ? "stored" : "refused";
            }
            return "reply";
        } catch (MalformedDatagramException e) {
            return "unreadable reply";
        }
    }

    private String key(NodeId key) {
        String name = keyNames.get(key);
        return name != null ? "key '" + name + "'" : "key " + key.shortHex();
    }

    private void print(LocalTime at, int clientPort, String text) {
        synchronized (out) {
            out.println(TIME.format(at) + " dht-tap [client " + clientPort + "] " + text);
            out.flush();
        }
    }
}
