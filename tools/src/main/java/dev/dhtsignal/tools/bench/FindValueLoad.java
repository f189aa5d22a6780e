package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
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
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code find-value-load}: keeps N {@code find_value} requests in flight against a running node and
 * reports, per N, replies per second and latency. A closed loop: every reply (or timeout) is followed at
 * once by a new request, so exactly N are outstanding, and the rate shows how fast the node turns
 * requests around at that depth.
 *
 * <p>The generator is one thread on one non-blocking UDP socket, speaking the wire format through our
 * codec (random message ids; replies matched by id), not a {@link KademliaNode}: a node's own machinery
 * (futures, timers, lookups) would cost more than the node under test spends answering. On a small
 * machine the generator still takes a core of its own; its CPU use is reported next to the rates.
 *
 * <p>Half the keys (by default) are present: stored on the node first with {@code store}, so the node
 * answers {@code {"value": v}}. The others are absent, answered with the node's closest contacts; to make
 * that list real, {@code --peers} in-JVM nodes join the node before the runs. Every reply is checked:
 * a value for a present key, contacts for an absent one.
 *
 * <p>The node's rate limits apply to us like to anyone: start dht-server with
 * {@code --rate-per-source 0 --rate-total 0} to measure the node rather than its limiter.
 */
@Command(name = "find-value-load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Keeps N find_value requests in flight against a running DHT node; prints replies/s and "
                + "latency per N as a markdown table.",
                "Start the node with --rate-per-source 0 --rate-total 0, or its rate limits are what you measure."})
public final class FindValueLoad implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to load (loopback unless --allow-remote).")
    String target;

    @Option(names = "--inflight", paramLabel = "N[,N...]", split = ",", defaultValue = "1,16,64",
            description = "Requests kept in flight, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> inflight;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "Measured time per run (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
            description = "Unmeasured time before each run, for the JIT and caches (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
            description = "A request unanswered this long counts as lost and is replaced (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--present-keys", paramLabel = "N", defaultValue = "100",
            description = "Keys stored on the node before the runs (default: ${DEFAULT-VALUE}).")
    int presentKeys;

    @Option(names = "--present-share", paramLabel = "FRACTION", defaultValue = "0.5",
            description = "Share of requests for a present key; the rest ask for random absent keys (default: ${DEFAULT-VALUE}).")
    double presentShare;

    @Option(names = "--value-bytes", paramLabel = "N", defaultValue = "200",
            description = "Size of each stored value, a msgpack str (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--peers", paramLabel = "N", defaultValue = "20",
            description = "In-JVM nodes that join the node first, so absent keys are answered with real contacts "
                    + "(default: ${DEFAULT-VALUE}; 0 for none).")
    int peers;

    @Option(names = "--server-pid", paramLabel = "PID",
            description = "The node's process id, to report the CPU it used (read from /proc/PID/stat).")
    Long serverPid;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for keys and message ids.")
    Long seed;

    @Option(names = "--allow-remote", description = "Allow a target that is not on loopback.")
    boolean allowRemote;

    /** One request on its way. */
    private static final class Pending {
        final MessageId id;
        final long sentNanos;
        final boolean present;
        boolean done;

        Pending(MessageId id, long sentNanos, boolean present) {
            this.id = id;
            this.sentNanos = sentNanos;
            this.present = present;
        }
    }

    /** What one run measured. */
    private static final class RunStats {
        final LongSamples latencyMicros = new LongSamples();
        long timeouts;
        long late;
        long wrong;
        long bad;
        long sendFailures;
        long requestsFromNode;
        long wallNanos;
        long ownCpuNanos;
        Optional<HostProbes.CpuTime> nodeCpu = Optional.empty();
    }

    private final Map<MessageId, Pending> pending = new HashMap<>();
    /** Pending requests in the order sent, oldest first, for finding the ones that timed out. */
    private final ArrayDeque<Pending> sendOrder = new ArrayDeque<>();
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(65_536);
    private DatagramChannel channel;
    private Selector selector;
    private Random random;
    private NodeId self;
    private final List<NodeId> presentKeyIds = new ArrayList<>();
    private RunStats current;
    private boolean measuring;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new FindValueLoad(), args));
    }

    @Override
    public Integer call() throws Exception {
        InetSocketAddress node = Targets.parse(this, target, allowRemote);
        if (inflight.isEmpty() || inflight.stream().anyMatch(n -> n < 1 || n > 100_000)) {
            throw Cli.usage(this, "--inflight values must be in 1..100000");
        }
        if (presentKeys < 1 || presentShare < 0 || presentShare > 1 || valueBytes < 1 || valueBytes > 8000
                || peers < 0 || peers > 200) {
            throw Cli.usage(this, "--present-keys >= 1, --present-share 0..1, --value-bytes 1..8000, --peers 0..200");
        }
        long seedValue = seed != null ? seed : new SecureRandom().nextLong();
        random = new Random(seedValue);
        self = NodeId.random(random);
        List<KademliaNode> peerNodes = new ArrayList<>();
        try {
            channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            channel.bind(new InetSocketAddress(node.getAddress().isLoopbackAddress() ? node.getAddress() : null, 0));
            channel.connect(node);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);

            if (call(new RpcRequest.Ping(self), Duration.ofSeconds(5)).isEmpty()) {
                System.err.println("find-value-load: " + Endpoints.format(node) + " did not answer ping; is a node running there?");
                return 2;
            }
            int contacts = joinPeers(node, peerNodes);
            storePresentKeys();
            String setup = String.format(Locale.ROOT, "find-value-load: %s; %d present keys (%d-byte str values), "
                            + "%.0f%% of requests for them; absent keys answered with %d contacts; %s in flight, "
                            + "%d s warm-up + %d s measured each; timeout %d ms; seed %d",
                    Endpoints.format(node), presentKeys, valueBytes, presentShare * 100, contacts,
                    inflight.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""),
                    warmup.toSeconds(), duration.toSeconds(), timeout.toMillis(), seedValue);
            System.err.println(setup);

            MarkdownTable table = new MarkdownTable("in flight", "replies/s", "p50 µs", "p99 µs", "max µs",
                    "timeouts", "late", "wrong", "generator CPU", "node CPU", "node CPU µs/reply (user + sys)");
            for (int n : inflight) {
                RunStats s = run(n);
                double seconds = s.wallNanos / 1e9;
                long replies = s.latencyMicros.size();
                table.row(n, String.format(Locale.ROOT, "%.0f", replies / seconds),
                        s.latencyMicros.quantile(0.50), s.latencyMicros.quantile(0.99), s.latencyMicros.max(),
                        s.timeouts, s.late, s.wrong + s.bad,
                        percent(s.ownCpuNanos, s.wallNanos),
                        s.nodeCpu.isPresent() ? percent(s.nodeCpu.get().totalNanos(), s.wallNanos) : "n/a",
                        s.nodeCpu.isPresent() && replies > 0 ? perReply(s.nodeCpu.get(), replies) : "n/a");
                if (s.sendFailures > 0) {
                    System.err.println("find-value-load: " + s.sendFailures + " sends failed in the run with " + n + " in flight");
                }
                System.err.printf(Locale.ROOT, "find-value-load: %d in flight: %.0f replies/s%n", n, replies / seconds);
            }
            System.out.println(setup.replace("find-value-load: ", "find_value load against "));
            System.out.println("load average before: " + loadAverage() + "; CPU columns: % of one core "
                    + "(generator: this whole process; node: from /proc/PID/stat, 10 ms resolution)");
            System.out.println();
            System.out.print(table);
            return 0;
        } finally {
            for (KademliaNode p : peerNodes) {
                p.close();
            }
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** One run: warm-up, then the measured window, then waiting out what is still in flight. */
    private RunStats run(int n) throws IOException {
        RunStats stats = new RunStats();
        current = stats;
        measuring = false;
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long measureUntil = measureFrom + duration.toNanos();
        long ownCpuAtStart = 0;
        Optional<HostProbes.CpuTime> nodeCpuAtStart = Optional.empty();
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= measureFrom) {
                measuring = true;
                measureFrom = now;
                ownCpuAtStart = ownCpuNanos();
                nodeCpuAtStart = nodeCpu();
            }
            if (now >= measureUntil) {
                break;
            }
            while (pending.size() < n) {
                if (!send(now)) {
                    break;
                }
            }
            waitAndRead(Math.min(measureUntil, oldestExpiry(measureUntil)));
            expire(System.nanoTime());
        }
        long end = System.nanoTime();
        stats.wallNanos = end - measureFrom;
        stats.ownCpuNanos = ownCpuNanos() - ownCpuAtStart;
        Optional<HostProbes.CpuTime> nodeCpuAtEnd = nodeCpu();
        if (nodeCpuAtStart.isPresent() && nodeCpuAtEnd.isPresent()) {
            stats.nodeCpu = Optional.of(nodeCpuAtEnd.get().minus(nodeCpuAtStart.get()));
        }
        measuring = false;
        // Let the requests still out come back (or time out) so they do not count against the next run.
        long drainUntil = end + timeout.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < drainUntil) {
            waitAndRead(Math.min(drainUntil, oldestExpiry(drainUntil)));
            expire(System.nanoTime());
        }
        pending.clear();
        sendOrder.clear();
        return stats;
    }

    private boolean send(long now) throws IOException {
        boolean present = random.nextDouble() < presentShare;
        NodeId key = present ? presentKeyIds.get(random.nextInt(presentKeyIds.size())) : NodeId.random(random);
        MessageId id = MessageId.random(random);
        byte[] request = WireCodec.encodeRequest(id, new RpcRequest.FindValue(self, key));
        int written;
        try {
            written = channel.write(ByteBuffer.wrap(request));
        } catch (PortUnreachableException e) {
            written = 0;  // the node's port was closed when an earlier datagram arrived
        }
        if (written == 0) {
            current.sendFailures++;
            return false;  // buffer full or nobody listening: try again after reading
        }
        Pending p = new Pending(id, now, present);
        pending.put(id, p);
        sendOrder.addLast(p);
        return true;
    }

    /** When the oldest request in flight times out, or {@code otherwise} when none is in flight. */
    private long oldestExpiry(long otherwise) {
        while (!sendOrder.isEmpty() && sendOrder.peekFirst().done) {
            sendOrder.pollFirst();
        }
        return sendOrder.isEmpty() ? otherwise : sendOrder.peekFirst().sentNanos + timeout.toNanos();
    }

    private void expire(long now) {
        long limit = timeout.toNanos();
        while (!sendOrder.isEmpty()) {
            Pending p = sendOrder.peekFirst();
            if (!p.done && now - p.sentNanos < limit) {
                return;
            }
            sendOrder.pollFirst();
            if (!p.done) {
                p.done = true;
                pending.remove(p.id);
                if (measuring) {
                    current.timeouts++;
                }
            }
        }
    }

    /** Waits for datagrams until {@code untilNanos} at most, then reads all that are there. */
    private void waitAndRead(long untilNanos) throws IOException {
        long waitMillis = TimeUnit.NANOSECONDS.toMillis(untilNanos - System.nanoTime());
        if (selector.select(Math.max(1, waitMillis)) == 0) {
            return;
        }
        selector.selectedKeys().clear();
        // Bounded: a node answering faster than we read must not keep us from sending and timing out.
        for (int i = 0; i < 10_000; i++) {
            receiveBuffer.clear();
            int length;
            try {
                length = channel.read(receiveBuffer);
            } catch (PortUnreachableException e) {
                current.sendFailures++;
                continue;
            }
            if (length <= 0) {
                return;
            }
            onDatagram(receiveBuffer.array(), length, System.nanoTime());
        }
    }

    private void onDatagram(byte[] data, int length, long now) {
        Datagram d;
        try {
            d = WireCodec.decode(data, 0, length);
        } catch (MalformedDatagramException e) {
            current.bad++;
            return;
        }
        if (d instanceof Datagram.Request) {
            current.requestsFromNode++;  // the node checking us as a new contact; we do not answer
            return;
        }
        Pending p = pending.remove(d.messageId());
        if (p == null) {
            if (measuring) {
                current.late++;  // answered after we gave it up
            }
            return;
        }
        p.done = true;
        boolean gotValue;
        try {
            gotValue = WireCodec.decodeResponse(RpcKind.FIND_VALUE, ((Datagram.Response) d).body())
                    instanceof RpcResponse.Value;
        } catch (MalformedDatagramException e) {
            current.bad++;
            return;
        }
        if (measuring) {
            current.latencyMicros.add((now - p.sentNanos) / 1_000);
            if (gotValue != p.present) {
                current.wrong++;
            }
        }
    }

    /**
     * Starts the peers and has each join the node, so that the node's routing table holds them; returns
     * how many contacts the node then hands out for a random key (what absent keys are answered with).
     */
    private int joinPeers(InetSocketAddress node, List<KademliaNode> started) throws Exception {
        if (peers == 0) {
            return 0;
        }
        List<CompletableFuture<?>> joins = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            KademliaNode peer = KademliaNode.start(KademliaConfig.builder()
                    .bindAddress(new InetSocketAddress(node.getAddress().isLoopbackAddress() ? node.getAddress()
                            : InetAddress.getByName("0.0.0.0"), 0))
                    .nodeId(NodeId.random(random))
                    .threadName("load-peer")
                    .build());
            started.add(peer);
            joins.add(peer.bootstrap(List.of(node)));
        }
        CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        // The node adds a peer once the peer has answered its check; wait until it hands them all out.
        int wanted = Math.min(peers, 20);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            Optional<byte[]> reply = call(new RpcRequest.FindNode(self, NodeId.random(random)), Duration.ofSeconds(2));
            if (reply.isPresent()) {
                seen = ((RpcResponse.Nodes) WireCodec.decodeResponse(RpcKind.FIND_NODE, reply.get())).contacts().size();
                if (seen >= wanted) {
                    return seen;
                }
            }
            selector.select(100);  // a pause between polls, ended early by any datagram
            selector.selectedKeys().clear();
        }
        System.err.println("find-value-load: the node hands out " + seen + " contacts, not " + wanted
                + ", 15 s after " + peers + " peers joined; going on");
        return seen;
    }

    private void storePresentKeys() throws IOException, MalformedDatagramException {
        StringBuilder text = new StringBuilder();
        while (text.length() < valueBytes) {
            text.append("v=0 o=- 4611731400430051336 2 IN IP4 127.0.0.1 s=- t=0 0 ");  // SDP-looking filler
        }
        text.setLength(valueBytes);
        for (int i = 0; i < presentKeys; i++) {
            NodeId key = NodeId.digestOf("find-value-load-" + i);
            DhtValue value = DhtValue.text(text.toString());
            Optional<byte[]> reply = Optional.empty();
            for (int attempt = 0; attempt < 3 && reply.isEmpty(); attempt++) {
                reply = call(new RpcRequest.Store(self, key, value), Duration.ofSeconds(2));
            }
            if (reply.isEmpty() || !((RpcResponse.StoreReply) WireCodec.decodeResponse(RpcKind.STORE, reply.get())).stored()) {
                throw new IllegalStateException("the node did not store present key " + i + " ("
                        + (reply.isEmpty() ? "no reply to 3 tries" : "answered false: storage full?") + ")");
            }
            presentKeyIds.add(key);
        }
    }

    /** One request and its reply body, or empty after {@code limit}; other datagrams meanwhile are ignored. */
    private Optional<byte[]> call(RpcRequest request, Duration limit) throws IOException {
        MessageId id = MessageId.random(random);
        channel.write(ByteBuffer.wrap(WireCodec.encodeRequest(id, request)));
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            selector.selectedKeys().clear();
            for (int i = 0; i < 1000; i++) {
                receiveBuffer.clear();
                int length;
                try {
                    length = channel.read(receiveBuffer);
                } catch (PortUnreachableException e) {
                    return Optional.empty();
                }
                if (length <= 0) {
                    break;
                }
                try {
                    Datagram d = WireCodec.decode(receiveBuffer.array(), 0, length);
                    if (d instanceof Datagram.Response r && r.messageId().equals(id)) {
                        return Optional.of(r.body());
                    }
                } catch (MalformedDatagramException e) {
                    // not ours to worry about here
                }
            }
        }
        return Optional.empty();
    }

    private Optional<HostProbes.CpuTime> nodeCpu() {
        return serverPid == null ? Optional.empty() : HostProbes.processCpu(serverPid);
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String perReply(HostProbes.CpuTime cpu, long replies) {
        return String.format(Locale.ROOT, "%.1f (%.1f + %.1f)", cpu.totalNanos() / 1e3 / replies,
                cpu.userNanos() / 1e3 / replies, cpu.systemNanos() / 1e3 / replies);
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * part / Math.max(1, whole));
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
