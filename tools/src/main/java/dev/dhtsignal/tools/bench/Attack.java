package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code attack}: one attack on a running node while an honest client puts and then gets values through
 * it, reporting the client's success and latency and what the attack sent and got back. The attacks:
 *
 * <ul>
 *   <li>{@code fill}: stores of distinct keys, as fast as {@code --rate}, from {@code --sources} addresses
 *       (127.0.0.2, .3, ...), to fill the node's storage;
 *   <li>{@code sybil}: {@code --sybils} node ids close to one key, all on 127.0.0.2 (one port each), that
 *       ask the node to look them up and answer its pings, to take that key's neighbourhood; they accept
 *       stores and keep nothing;
 *   <li>{@code reflect}: find_node and store requests from {@code --sources} addresses that never answer
 *       the node's pings, as spoofed requests would look to the node (on loopback a spoofed source is simply
 *       an address the node cannot verify); reports the bytes the node sent them per byte they sent;
 *   <li>{@code large}: stores of {@code --value-bytes} values from one address at {@code --rate}.
 * </ul>
 *
 * The honest client runs on 127.1.0.1, outside the attackers' /24, as an honest peer elsewhere would.
 */
@Command(name = "attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Attacks a running DHT node while an honest client puts and gets values through it.",
                "Exit status: 0 done (whatever the client's success), 2 the node did not answer before."})
public final class Attack implements Callable<Integer> {
    enum Mode { FILL, SYBIL, REFLECT, LARGE }

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to attack (on loopback).")
    String target;

    @Option(names = "--mode", required = true, paramLabel = "MODE",
            description = "fill, sybil, reflect or large.", converter = ModeConverter.class)
    Mode mode;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "1",
            description = "Attacking source addresses, 127.0.0.2 onwards (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "5000",
            description = "Requests per second the attack sends in all (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--value-bytes", paramLabel = "N", defaultValue = "100",
            description = "Size of each stored value, fill and large (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--sybils", paramLabel = "N", defaultValue = "200",
            description = "Sybil ids, sybil mode (default: ${DEFAULT-VALUE}).")
    int sybils;

    @Option(names = "--honest", paramLabel = "N", defaultValue = "100",
            description = "Values the honest client puts, then gets (default: ${DEFAULT-VALUE}).")
    int honest;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds of attack before the honest client starts (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong sentDatagrams = new AtomicLong();
    private final AtomicLong sentBytes = new AtomicLong();
    private final AtomicLong receivedDatagrams = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final AtomicLong storesAnsweredTrue = new AtomicLong();
    private final AtomicLong pingsAnswered = new AtomicLong();

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new Attack(), args));
    }

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return Mode.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    @Override
    public Integer call() throws Exception {
        InetSocketAddress node = Targets.parse(this, target, false);
        if (sources < 1 || sources > 200 || rate < 1 || valueBytes < 1 || valueBytes > 8000 || sybils < 1
                || sybils > 5000 || honest < 1) {
            throw Cli.usage(this, "--sources 1..200, --rate >= 1, --value-bytes 1..8000, --sybils 1..5000, --honest >= 1");
        }
        Random random = new Random(new SecureRandom().nextLong());
        NodeId sybilTarget = NodeId.digestOf("attacked-key");
        List<DatagramChannel> channels = new ArrayList<>();
        List<NodeId> channelIds = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            int count = mode == Mode.SYBIL ? sybils : sources;
            for (int i = 0; i < count; i++) {
                int host = mode == Mode.SYBIL ? 2 : 2 + i;
                DatagramChannel ch = DatagramChannel.open();
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                ch.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) host}), 0));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
                channels.add(ch);
                channelIds.add(mode == Mode.SYBIL ? closeTo(sybilTarget, random) : NodeId.random(random));
            }
            Thread reader = new Thread(() -> readLoop(selector, channels, channelIds), "attack-reader");
            reader.setDaemon(true);
            reader.start();
            Thread sender = new Thread(() -> sendLoop(node, channels, channelIds, sybilTarget, random), "attack-sender");
            sender.setDaemon(true);
            sender.start();

            TimeUnit.SECONDS.sleep(warmupSeconds);  // a benchmark's phase, not a wait for a condition
            HonestResult result = honestClient(node, random);
            stop.set(true);
            sender.join(5_000);
            TimeUnit.MILLISECONDS.sleep(500);  // replies still on their way
            selector.wakeup();
            report(node, result);
        } finally {
            for (DatagramChannel ch : channels) {
                ch.close();
            }
        }
        return 0;
    }

    /** An id sharing its first 144 bits with {@code key}: among the closest to it of any network. */
    private static NodeId closeTo(NodeId key, Random random) {
        byte[] id = key.toBytes();
        for (int i = 18; i < id.length; i++) {
            id[i] = (byte) random.nextInt(256);
        }
        return NodeId.of(id);
    }

    private void sendLoop(InetSocketAddress node, List<DatagramChannel> channels, List<NodeId> ids, NodeId sybilTarget,
                          Random random) {
        long intervalNanos = 1_000_000_000L / rate;
        long next = System.nanoTime();
        long i = 0;
        byte[] prefix = new byte[12];
        random.nextBytes(prefix);
        while (!stop.get()) {
            int c = (int) (i % channels.size());
            byte[] datagram = switch (mode) {
                case FILL, LARGE -> store(ids.get(c), distinctKey(prefix, i), valueBytes, random);
                case REFLECT -> i % 2 == 0
                        ? WireCodec.encodeRequest(MessageId.random(random), new RpcRequest.FindNode(ids.get(c), NodeId.random(random)))
                        : store(ids.get(c), distinctKey(prefix, i), valueBytes, random);
                // Each Sybil asks for the key, so the node pings it to verify it, and it answers.
                case SYBIL -> WireCodec.encodeRequest(MessageId.random(random), new RpcRequest.FindNode(ids.get(c), sybilTarget));
            };
            try {
                if (channels.get(c).send(ByteBuffer.wrap(datagram), node) > 0) {
                    sentDatagrams.incrementAndGet();
                    sentBytes.addAndGet(datagram.length);
                }
            } catch (IOException e) {
                // a full buffer or an ICMP error: the datagram is not sent, and not counted
            }
            i++;
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private static NodeId distinctKey(byte[] prefix, long i) {
        return NodeId.of(ByteBuffer.allocate(NodeId.LENGTH).put(prefix).putLong(i).array());
    }

    private static byte[] store(NodeId sender, NodeId key, int valueBytes, Random random) {
        byte[] value = new byte[Math.max(0, valueBytes - 3)];  // bin header of up to 3 bytes
        random.nextBytes(value);
        return WireCodec.encodeRequest(MessageId.random(random), new RpcRequest.Store(sender, key, DhtValue.bytes(value)));
    }

    /**
     * Counts what the node sends the attacking sockets. Sybils answer the node's requests as a node that
     * keeps nothing would: ping with their id, store with true, find_node and find_value with no contacts.
     * The other attackers answer nothing (they stand for spoofed sources, or do not care).
     */
    private void readLoop(Selector selector, List<DatagramChannel> channels, List<NodeId> ids) {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        while (selector.isOpen()) {
            try {
                selector.select(200);
                for (SelectionKey key : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) key.channel();
                    int index = (Integer) key.attachment();
                    while (true) {
                        buffer.clear();
                        InetSocketAddress from = (InetSocketAddress) ch.receive(buffer);
                        if (from == null) {
                            break;
                        }
                        receivedDatagrams.incrementAndGet();
                        receivedBytes.addAndGet(buffer.position());
                        if (mode == Mode.SYBIL) {
                            answerAsSybil(ch, ids.get(index), buffer, from);
                        }
                    }
                }
                selector.selectedKeys().clear();
                if (stop.get() && selector.keys().stream().noneMatch(SelectionKey::isReadable)) {
                    return;
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
                return;
            }
        }
    }

    private void answerAsSybil(DatagramChannel ch, NodeId id, ByteBuffer buffer, InetSocketAddress from) throws IOException {
        Datagram d;
        try {
            d = WireCodec.decode(buffer.array(), 0, buffer.position());
        } catch (MalformedDatagramException e) {
            return;
        }
        if (!(d instanceof Datagram.Request request)) {
            return;
        }
        RpcResponse reply = switch (request.request().kind()) {
            case PING -> {
                pingsAnswered.incrementAndGet();
                yield new RpcResponse.PingReply(id);
            }
            case STORE -> {
                storesAnsweredTrue.incrementAndGet();
                yield new RpcResponse.StoreReply(true);
            }
            case FIND_NODE, FIND_VALUE -> new RpcResponse.Nodes(List.of());
            case STUN -> new RpcResponse.StunReply(Endpoints.hostText(from), from.getPort());
            case ICE_SERVERS -> null;  // as the original's nodes: an RPC they lack is ignored
        };
        if (reply == null) {
            return;
        }
        ch.send(ByteBuffer.wrap(WireCodec.encodeResponse(request.messageId(), reply)), from);
    }

    private record HonestResult(int putOk, int getOk, int targetedOk, LongSamples putMillis, LongSamples getMillis,
                                String firstError) {
    }

    /** Puts {@code honest} values (and one at the Sybils' key), then gets each, one at a time. */
    private HonestResult honestClient(InetSocketAddress node, Random random) throws Exception {
        KademliaConfig config = KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 1, 0, 1}), 0))
                .clientOnly(true).threadName("honest").build();
        LongSamples puts = new LongSamples();
        LongSamples gets = new LongSamples();
        String firstError = null;
        int putOk = 0;
        int getOk = 0;
        int targetedOk = 0;
        try (KademliaNode client = KademliaNode.start(config)) {
            client.bootstrap(List.of(node)).get(30, TimeUnit.SECONDS);
            String run = Long.toHexString(random.nextLong());
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < honest; i++) {
                keys.add("honest-" + run + "-" + i);
            }
            for (String key : keys) {
                long t0 = System.nanoTime();
                try {
                    client.put(key, DhtValue.text("value of " + key)).get(60, TimeUnit.SECONDS);
                    putOk++;
                    puts.add((System.nanoTime() - t0) / 1_000_000);
                } catch (Exception e) {
                    firstError = firstError != null ? firstError : "put: " + e;
                }
            }
            for (String key : keys) {
                long t0 = System.nanoTime();
                try {
                    Optional<DhtValue> got = client.get(key).get(60, TimeUnit.SECONDS);
                    if (got.equals(Optional.of(DhtValue.text("value of " + key)))) {
                        getOk++;
                        gets.add((System.nanoTime() - t0) / 1_000_000);
                    } else {
                        firstError = firstError != null ? firstError : "get " + key + ": " + got;
                    }
                } catch (Exception e) {
                    firstError = firstError != null ? firstError : "get: " + e;
                }
            }
            if (mode == Mode.SYBIL) {
                try {
                    client.put("attacked-key", DhtValue.text("honest")).get(60, TimeUnit.SECONDS);
                    if (client.get("attacked-key").get(60, TimeUnit.SECONDS).equals(Optional.of(DhtValue.text("honest")))) {
                        targetedOk = 1;
                    }
                } catch (Exception e) {
                    firstError = firstError != null ? firstError : "attacked key: " + e;
                }
            }
        }
        return new HonestResult(putOk, getOk, targetedOk, puts, gets, firstError);
    }

    private void report(InetSocketAddress node, HonestResult r) {
        System.out.printf(Locale.ROOT, "attack %s on %s: %d sources, %d requests/s, %d-byte values%s%n",
                mode.name().toLowerCase(Locale.ROOT), Endpoints.format(node), mode == Mode.SYBIL ? 1 : sources, rate,
                valueBytes, mode == Mode.SYBIL ? ", " + sybils + " Sybil ids near sha1(\"attacked-key\")" : "");
        System.out.printf(Locale.ROOT, "honest client: puts %d/%d (p50 %d ms, p90 %d ms, max %d ms), "
                        + "gets %d/%d (p50 %d ms, p90 %d ms, max %d ms)%s%n",
                r.putOk, honest, r.putMillis.quantile(0.5), r.putMillis.quantile(0.9), r.putMillis.max(),
                r.getOk, honest, r.getMillis.quantile(0.5), r.getMillis.quantile(0.9), r.getMillis.max(),
                mode == Mode.SYBIL ? "; value at the attacked key read back: " + (r.targetedOk == 1 ? "yes" : "no") : "");
        if (r.firstError != null) {
            System.out.println("first failure: " + r.firstError);
        }
        double ratio = sentBytes.get() == 0 ? 0 : (double) receivedBytes.get() / sentBytes.get();
        System.out.printf(Locale.ROOT, "attack sent %d datagrams (%d bytes); the node sent the attack's sockets %d datagrams "
                        + "(%d bytes): %.3f bytes out per byte in%n",
                sentDatagrams.get(), sentBytes.get(), receivedDatagrams.get(), receivedBytes.get(), ratio);
        if (mode == Mode.SYBIL) {
            System.out.printf("sybils answered %d pings and accepted (and dropped) %d stores%n",
                    pingsAnswered.get(), storesAnsweredTrue.get());
        }
    }
}
