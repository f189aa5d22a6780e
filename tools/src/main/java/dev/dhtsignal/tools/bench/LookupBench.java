package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.kademlia.BootstrapResult;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.NodeStats;
import dev.dhtsignal.dht.lookup.LookupResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lookup-bench}: builds networks of real {@link KademliaNode}s in this JVM on loopback (each node joins
 * through a random earlier one, ids from a seeded random source), stores some keys, then runs
 * {@code find_value} lookups from random nodes, one at a time, and reports hops, RPCs and time per
 * network size: for keys that are there and for keys that are not (a lookup for an absent key runs until
 * the k closest nodes have all answered, the most a lookup ever does).
 *
 * <p>Hundreds of nodes share two cores here, so a node may wait its turn to answer: the RPC timeout
 * floor is raised to 1 s (from 250 ms), or scheduling hiccups would read as dead contacts.
 */
@Command(name = "lookup-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Iterative find_value lookups in in-JVM networks of DHT nodes; hops, RPCs and time per size.")
public final class LookupBench implements Callable<Integer> {
    @Option(names = "--sizes", paramLabel = "N[,N...]", split = ",", defaultValue = "100,500",
            description = "Network sizes, one network each (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "50",
            description = "Keys stored in each network before the lookups (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--lookups", paramLabel = "N", defaultValue = "300",
            description = "Lookups per network for present keys, and as many for absent ones (default: ${DEFAULT-VALUE}).")
    int lookups;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "20240601",
            description = "Seed for node ids, joining order and keys (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rpc-timeout-floor", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "1s", description = "Shortest RPC timeout of every node (default: ${DEFAULT-VALUE}).")
    Duration rpcTimeoutFloor;

    @Option(names = "--time-limit", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "Limit for everything; what is not done by then is left out (default: ${DEFAULT-VALUE}).")
    Duration timeLimit;

    /**
     * Everything measured in one network. {@code datagramsPerLookup} counts every datagram any node
     * received while the lookups ran, divided by their number: a lookup's own RPCs and replies, plus
     * whatever they set off (checks of new contacts, stores to newcomers). Far above twice the RPCs
     * means the network is busy with something else, which the latencies then include.
     */
    private record Measured(int nodes, double joinSeconds, double meanContacts, int stored, String kind,
                            int lookups, int found, int failed, LongSamples hops, LongSamples rpcs,
                            LongSamples micros, long datagramsPerLookup, long rpcTimeouts) {
    }

    private long deadline;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new LookupBench(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (sizes.isEmpty() || sizes.stream().anyMatch(n -> n < 2 || n > 2000) || keys < 1 || lookups < 1) {
            throw Cli.usage(this, "--sizes in 2..2000, --keys >= 1, --lookups >= 1");
        }
        deadline = System.nanoTime() + timeLimit.toNanos();
        List<Measured> results = new ArrayList<>();
        String note = null;
        for (int size : sizes) {
            try {
                results.addAll(measure(size));
            } catch (TimeoutException e) {
                note = "stopped at " + size + " nodes: " + e.getMessage();
                System.err.println("lookup-bench: " + note);
                break;
            }
        }
        MarkdownTable table = new MarkdownTable("nodes", "keys", "lookups", "found", "failed", "hops p50", "hops p90",
                "RPCs p50", "RPCs p90", "ms p50", "ms p90", "ms max", "datagrams/lookup", "RPC timeouts", "join s",
                "contacts/node");
        for (Measured m : results) {
            table.row(m.nodes(), m.kind(), m.lookups(), m.found(), m.failed(), m.hops().quantile(0.5), m.hops().quantile(0.9),
                    m.rpcs().quantile(0.5), m.rpcs().quantile(0.9), millis(m.micros().quantile(0.5)),
                    millis(m.micros().quantile(0.9)), millis(m.micros().max()), m.datagramsPerLookup(), m.rpcTimeouts(),
                    String.format(Locale.ROOT, "%.1f", m.joinSeconds()), String.format(Locale.ROOT, "%.0f", m.meanContacts()));
        }
        System.out.printf("find_value lookups in in-JVM networks on loopback (k=20, alpha=3, RPC timeout floor %d ms, "
                + "seed %d); one lookup at a time from a random node%n%n", rpcTimeoutFloor.toMillis(), seed);
        System.out.print(table);
        if (note != null) {
            System.out.println();
            System.out.println("note: " + note);
        }
        return note == null ? 0 : 1;
    }

    private List<Measured> measure(int size) throws Exception {
        Random random = new Random(seed + size);
        List<KademliaNode> nodes = new ArrayList<>(size);
        try {
            long joinStart = System.nanoTime();
            for (int i = 0; i < size; i++) {
                KademliaNode node = KademliaNode.start(KademliaConfig.builder()
                        .bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .nodeId(NodeId.random(random))
                        .random(new Random(random.nextLong()))
                        .rpcTimeoutFloor(rpcTimeoutFloor)
                        .rpcTimeout(rpcTimeoutFloor.compareTo(Duration.ofSeconds(2)) > 0 ? rpcTimeoutFloor : Duration.ofSeconds(2))
                        .threadName("bench")
                        .build());
                nodes.add(node);
                if (i > 0) {
                    KademliaNode via = nodes.get(random.nextInt(i));
                    BootstrapResult joined = await("node " + i + " joining", node.bootstrap(List.of(via.localAddress())));
                    if (joined.reached().isEmpty()) {
                        throw new IllegalStateException("node " + i + " could not reach " + via.localAddress());
                    }
                }
            }
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            double meanContacts = nodes.stream().mapToInt(n -> n.contacts().size()).average().orElse(0);
            System.err.printf(Locale.ROOT, "lookup-bench: %d nodes joined in %.1f s, %.0f contacts each on average%n",
                    size, joinSeconds, meanContacts);

            List<NodeId> stored = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                String key = "lookup-bench-" + i;
                KademliaNode from = nodes.get(random.nextInt(size));
                try {
                    await("put " + key, from.put(key, DhtValue.text("value of " + key)));
                    stored.add(NodeId.digestOf(key));
                } catch (ExecutionException e) {
                    System.err.println("lookup-bench: put " + key + " failed: " + e.getCause().getMessage());
                }
            }
            if (stored.isEmpty()) {
                throw new IllegalStateException("no put succeeded in the network of " + size);
            }
            Measured present = lookups(size, joinSeconds, meanContacts, stored.size(), "present", nodes, random,
                    () -> stored.get(random.nextInt(stored.size())));
            Measured absent = lookups(size, joinSeconds, meanContacts, stored.size(), "absent", nodes, random,
                    () -> NodeId.random(random));
            return List.of(present, absent);
        } finally {
            for (KademliaNode n : nodes) {
                n.close();
            }
        }
    }

    private Measured lookups(int size, double joinSeconds, double meanContacts, int storedKeys, String kind,
                             List<KademliaNode> nodes, Random random, Supplier<NodeId> nextKey) throws Exception {
        LongSamples hops = new LongSamples();
        LongSamples rpcs = new LongSamples();
        LongSamples micros = new LongSamples();
        int found = 0;
        int failed = 0;
        long datagramsBefore = sum(nodes, NodeStats::datagramsReceived);
        long timeoutsBefore = sum(nodes, NodeStats::rpcTimeouts);
        for (int i = 0; i < lookups; i++) {
            KademliaNode from = nodes.get(random.nextInt(size));
            try {
                LookupResult r = await("lookup " + i, from.findValue(nextKey.get()));
                hops.add(r.hops());
                rpcs.add(r.rpcs());
                micros.add(r.elapsed().toNanos() / 1_000);
                found += r.value().isPresent() ? 1 : 0;
            } catch (ExecutionException e) {
                failed++;
            }
        }
        long datagrams = sum(nodes, NodeStats::datagramsReceived) - datagramsBefore;
        long timeouts = sum(nodes, NodeStats::rpcTimeouts) - timeoutsBefore;
        System.err.printf("lookup-bench: %d nodes, %s keys: %d lookups, %d found, %d failed, %d datagrams%n", size,
                kind, lookups, found, failed, datagrams);
        return new Measured(size, joinSeconds, meanContacts, storedKeys, storedKeys + " " + kind, lookups, found,
                failed, hops, rpcs, micros, datagrams / lookups, timeouts);
    }

    private static long sum(List<KademliaNode> nodes, ToLongFunction<NodeStats> counter) {
        return nodes.stream().mapToLong(n -> counter.applyAsLong(n.stats())).sum();
    }

    /** The future's value, within 60 s and within the overall time limit. */
    private <T> T await(String what, CompletableFuture<T> future) throws Exception {
        long left = Math.min(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(60));
        if (left <= 0) {
            throw new TimeoutException("time limit " + timeLimit.toSeconds() + " s reached before " + what);
        }
        try {
            return future.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException(what + " took longer than " + TimeUnit.NANOSECONDS.toSeconds(left) + " s");
        }
    }

    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }
}
