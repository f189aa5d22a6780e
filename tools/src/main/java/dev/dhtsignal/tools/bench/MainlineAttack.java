package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.Bep42;
import dev.dhtsignal.dht.mainline.CompactAddress;
import dev.dhtsignal.dht.mainline.Ed25519;
import dev.dhtsignal.dht.mainline.GetResult;
import dev.dhtsignal.dht.mainline.KrpcFormatException;
import dev.dhtsignal.dht.mainline.KrpcMessage;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mainline-attack}: one attack on a running {@code dht-server --network mainline}, ending with one
 * line of measured result on standard output. Attackers bind addresses of their own in 127.0.0.0/8 (one
 * host each to the node); an honest peer, where one is needed, is a read-only node on 127.1.0.1.
 *
 * <ul>
 *   <li>{@code flood}: the honest peer puts a signed item, then {@code --sources} addresses send
 *       {@code --puts} immutable puts at {@code --rate}; did the signed item survive?</li>
 *   <li>{@code reflect}: the honest peer stores a 900-byte signed item; {@code --sources} addresses that
 *       never answer the node (what forged sources look like to it) send gets for it at {@code --rate} for
 *       {@code --seconds}: bytes the node sent them per byte they sent, over the whole attack and its second
 *       half.</li>
 *   <li>{@code txid}: {@code --sources} sockets ask the node to find a node, so that it pings each to verify
 *       it; how often is a transaction id the previous one plus one?</li>
 *   <li>{@code announce}: {@code --sources} addresses each announce {@code --announces} torrents near the
 *       node's id, as BitTorrent clients do (get_peers for a token, then announce_peer); how many are
 *       refused (an error, which libtorrent counts as a failure of the node), and does get_peers return
 *       them?</li>
 *   <li>{@code sybil}: {@code --sources} addresses with ids sharing 120 bits with a target, and 24 nodes
 *       with BEP 42 ids for their addresses, all answering the node; how many of the node's 8 closest to
 *       the target are Sybils?</li>
 * </ul>
 */
@Command(name = "mainline-attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Attacks a running Mainline DHT node and prints one line of measured result.",
                "Exit status: 0 done (whatever the result), 2 the node did not answer before the attack."})
public final class MainlineAttack implements Callable<Integer> {
    enum Mode { FLOOD, REFLECT, TXID, ANNOUNCE, SYBIL }

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to attack (on loopback).")
    String target;

    @Option(names = "--mode", required = true, paramLabel = "MODE",
            description = "flood, reflect, txid, announce or sybil.", converter = ModeConverter.class)
    Mode mode;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "4",
            description = "Attacking addresses, 127.0.0.2 onwards (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--puts", paramLabel = "N", defaultValue = "50500", description = "Puts in all, flood (default: ${DEFAULT-VALUE}).")
    int puts;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "3400",
            description = "Queries per second in all, flood and reflect (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "20", description = "Length of reflect (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--announces", paramLabel = "N", defaultValue = "2",
            description = "Torrents each address announces, announce (default: ${DEFAULT-VALUE}).")
    int announces;

    private final Random random = new Random(new SecureRandom().nextLong());
    private final List<KrpcSocket> sockets = new ArrayList<>();

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new MainlineAttack(), args));
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
        if (sources < 1 || sources > 200 || puts < 1 || rate < 1 || seconds < 2 || announces < 1) {
            throw Cli.usage(this, "--sources 1..200, --puts >= 1, --rate >= 1, --seconds >= 2, --announces >= 1");
        }
        try {
            KrpcSocket probe = socket(host(250), false);
            Optional<KrpcMessage> pong = await(probe.ask(node, "ping", Map.of()), 10);
            if (pong.isEmpty() || !(pong.get() instanceof KrpcMessage.Response r)) {
                System.err.println("mainline-attack: " + target + " did not answer a ping within 10 s");
                return 2;
            }
            NodeId nodeId = r.values().id("id");
            String line = switch (mode) {
                case FLOOD -> flood(node);
                case REFLECT -> reflect(node);
                case TXID -> txid(node);
                case ANNOUNCE -> announce(node, nodeId);
                case SYBIL -> sybil(node);
            };
            System.out.println(line);
            return 0;
        } finally {
            sockets.forEach(KrpcSocket::close);
        }
    }

    private static InetAddress host(int i) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, (byte) (i / 250), (byte) (1 + i % 250)});
    }

    private KrpcSocket socket(InetAddress address, boolean answers) throws IOException {
        return socket(address, NodeId.random(random), answers);
    }

    private KrpcSocket socket(InetAddress address, NodeId id, boolean answers) throws IOException {
        KrpcSocket s = new KrpcSocket(address, id.toBytes(), answers);
        sockets.add(s);
        return s;
    }

    /** The i-th attacker: 127.0.0.2, 127.0.0.3, ... */
    private static InetAddress attacker(int i) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)});
    }

    private static <T> Optional<T> await(java.util.concurrent.CompletableFuture<T> f, int seconds) {
        try {
            return Optional.of(f.get(seconds, TimeUnit.SECONDS));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static byte[] token(KrpcSocket s, InetSocketAddress node, String method, Map<String, Object> args)
            throws IOException, KrpcFormatException {
        KrpcMessage m = await(s.ask(node, method, args), 10).orElseThrow(() -> new IOException("no reply to " + method));
        if (!(m instanceof KrpcMessage.Response r)) {
            throw new IOException(method + " was refused: " + m);
        }
        return r.values().bytes("token");
    }

    /** A read-only node on 127.1.0.1 that puts a signed item of {@code valueBytes} through the node. */
    private MainlineNode honestPeer(InetSocketAddress node) throws Exception {
        MainlineNode peer = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(
                InetAddress.getByName("127.1.0.1"), 0)).withThreadName("honest"));
        if (peer.bootstrap(List.of(node)).get(30, TimeUnit.SECONDS) < 1) {
            peer.close();
            throw new IOException("the honest peer could not join through " + target);
        }
        return peer;
    }

    private MutableItem signedItem(int valueBytes) {
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 's');
        return MutableItem.sign(Ed25519.generate(), "offer".getBytes(StandardCharsets.US_ASCII), 1, value);
    }

    private String flood(InetSocketAddress node) throws Exception {
        try (MainlineNode honest = honestPeer(node)) {
            MutableItem item = signedItem(600);
            int copies = honest.put(item, Optional.empty()).get(30, TimeUnit.SECONDS).stored();
            List<KrpcSocket> flooders = new ArrayList<>();
            List<byte[]> tokens = new ArrayList<>();
            for (int i = 0; i < sources; i++) {
                KrpcSocket s = socket(attacker(i), false);
                flooders.add(s);
                tokens.add(token(s, node, "get", Map.of("target", new byte[NodeId.LENGTH])));
            }
            long start = System.nanoTime();
            paced(puts, n -> {
                int i = (int) (n % sources);
                flooders.get(i).send(node, "put", Map.of("v", ("flood " + n + " ").repeat(8).getBytes(StandardCharsets.US_ASCII),
                        "token", tokens.get(i)));
            });
            double took = (System.nanoTime() - start) / 1e9;
            settle(flooders);
            long stored = flooders.stream().mapToLong(s -> s.responses.get()).sum() - sources;  // less the token gets
            long refused = flooders.stream().mapToLong(s -> s.errors.get()).sum();
            GetResult got = honest.get(item.target(), item.salt()).get(60, TimeUnit.SECONDS);
            boolean kept = got.mutable().filter(item::equals).isPresent();
            return String.format(Locale.ROOT, "flood: %d immutable puts from %d addresses in %.1f s: %d stored, %d refused, "
                            + "%d unanswered; the honest signed item (on %d node): %s", puts, sources, took, stored, refused,
                    puts - stored - refused, copies, kept ? "kept" : "LOST");
        }
    }

    private String reflect(InetSocketAddress node) throws Exception {
        MutableItem item = signedItem(900);
        try (MainlineNode honest = honestPeer(node)) {
            honest.put(item, Optional.empty()).get(30, TimeUnit.SECONDS);
        }
        List<KrpcSocket> forged = new ArrayList<>();
        for (int i = 0; i < sources; i++) {
            forged.add(socket(attacker(i), false));
        }
        Map<String, Object> get = Map.of("target", item.target().toBytes());
        long total = (long) rate * seconds;
        long[] half = new long[2];
        paced(total, n -> {
            if (n == total / 2) {
                half[0] = forged.stream().mapToLong(s -> s.bytesSent.get()).sum();
                half[1] = forged.stream().mapToLong(s -> s.bytesReceived.get()).sum();
            }
            forged.get((int) (n % sources)).send(node, "get", get);
        });
        settle(forged);
        long in = forged.stream().mapToLong(s -> s.bytesSent.get()).sum();
        long out = forged.stream().mapToLong(s -> s.bytesReceived.get()).sum();
        int query = forged.get(0).bytesSent.intValue() / Math.max(1, (int) ((total + sources - 1) / sources));
        return String.format(Locale.ROOT, "reflect: %d addresses that never answer sent %d gets (%d bytes) for a stored "
                        + "900-byte item in %d s and got %d bytes back: %.3f bytes out per byte in, %.3f over the second "
                        + "half (a get is about %d bytes)", sources, total, in, seconds, out, (double) out / in,
                (double) (out - half[1]) / (in - half[0]), query);
    }

    private String txid(InetSocketAddress node) throws Exception {
        List<KrpcSocket> askers = new ArrayList<>();
        for (int i = 0; i < Math.max(sources, 100); i++) {
            askers.add(socket(attacker(i % Math.max(1, Math.min(sources, 200))), true));
        }
        // The node pings each unknown querier to verify it (a few at a time): ask until each has been pinged.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && askers.stream().anyMatch(s -> s.queryTransactionIds().isEmpty())) {
            for (KrpcSocket s : askers) {
                if (s.queryTransactionIds().isEmpty()) {
                    s.send(node, "find_node", Map.of("target", NodeId.random(random).toBytes()));
                }
            }
            TimeUnit.MILLISECONDS.sleep(200);  // pacing of the re-asks, not a wait for a condition
        }
        List<Long> ids = new ArrayList<>();
        for (KrpcSocket s : askers) {
            for (byte[] t : s.queryTransactionIds()) {
                if (t.length == 4) {
                    ids.add(Integer.toUnsignedLong(ByteBuffer.wrap(t).getInt()));
                }
            }
        }
        ids.sort(null);
        // Sorted, a counter's ids sit one apart; random ones spread over 2^32.
        int oneApart = 0;
        Set<Long> gaps = new HashSet<>();
        for (int i = 1; i < ids.size(); i++) {
            long gap = ids.get(i) - ids.get(i - 1);
            gaps.add(gap);
            if (gap <= 2) {
                oneApart++;
            }
        }
        long span = ids.isEmpty() ? 0 : ids.get(ids.size() - 1) - ids.get(0);
        return String.format(Locale.ROOT, "txid: %d transaction ids of the node's pings: %d of %d within 2 of another "
                        + "(a counter: all), spanning %d (of 2^32), %d distinct gaps", ids.size(), oneApart,
                Math.max(0, ids.size() - 1), span, gaps.size());
    }

    private String announce(InetSocketAddress node, NodeId nodeId) throws Exception {
        int accepted = 0;
        int refused = 0;
        List<byte[]> torrents = new ArrayList<>();
        for (int t = 0; t < announces; t++) {
            torrents.add(nodeId.randomWithSharedPrefix(16, random).toBytes());  // near the node: it is among the 8 closest
        }
        for (int i = 0; i < sources; i++) {
            KrpcSocket client = socket(attacker(i), true);
            for (byte[] infoHash : torrents) {
                byte[] token = token(client, node, "get_peers", Map.of("info_hash", infoHash));
                // libtorrent sends implied_port when it runs behind NAT-PMP/uTP; half the clients here do.
                Map<String, Object> a = i % 2 == 0
                        ? Map.of("info_hash", infoHash, "port", 6881L, "token", token)
                        : Map.of("info_hash", infoHash, "port", 6881L, "implied_port", 1L, "token", token);
                Optional<KrpcMessage> reply = await(client.ask(node, "announce_peer", a), 10);
                if (reply.isPresent() && reply.get() instanceof KrpcMessage.Response) {
                    accepted++;
                } else {
                    refused++;
                }
            }
        }
        KrpcSocket leecher = socket(host(251), false);
        KrpcMessage found = await(leecher.ask(node, "get_peers", Map.of("info_hash", torrents.get(0))), 10)
                .orElseThrow(() -> new IOException("no reply to get_peers"));
        int values = found instanceof KrpcMessage.Response r && r.values().raw("values") instanceof List<?> l ? l.size() : 0;
        return String.format(Locale.ROOT, "announce: %d announce_peer from %d addresses (get_peers token first): %d "
                        + "accepted, %d refused (errors count as node failures in libtorrent); get_peers then returned %d "
                        + "peers for the first torrent", sources * announces, sources, accepted, refused, values);
    }

    private String sybil(InetSocketAddress node) throws Exception {
        NodeId target = NodeId.random(random);
        Set<NodeId> sybilIds = new HashSet<>();
        List<KrpcSocket> all = new ArrayList<>();
        for (int i = 0; i < sources; i++) {
            NodeId id = target.randomWithSharedPrefix(120 + random.nextInt(30), random);
            sybilIds.add(id);
            all.add(socket(attacker(i), id, true));
        }
        for (int i = 0; i < 24; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) (1 + i)});
            all.add(socket(a, Bep42.idFor(a, random), true));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && all.stream().anyMatch(s -> s.queryTransactionIds().isEmpty())) {
            for (KrpcSocket s : all) {
                if (s.queryTransactionIds().isEmpty()) {
                    s.send(node, "find_node", Map.of("target", target.toBytes()));
                }
            }
            TimeUnit.MILLISECONDS.sleep(300);  // pacing of the re-asks
        }
        TimeUnit.MILLISECONDS.sleep(500);  // the last pongs on their way
        KrpcSocket observer = socket(host(252), false);
        KrpcMessage reply = await(observer.ask(node, "find_node", Map.of("target", target.toBytes())), 10)
                .orElseThrow(() -> new IOException("no reply to find_node"));
        List<Contact> closest = CompactAddress.decodeNodes(((KrpcMessage.Response) reply).values().bytes("nodes"), 8);
        long taken = closest.stream().filter(c -> sybilIds.contains(c.id())).count();
        return String.format(Locale.ROOT, "sybil: %d addresses with ids sharing 120+ bits with a target, beside 24 nodes "
                + "with BEP 42 ids: %d of the node's %d closest to the target are Sybils", sources, taken, closest.size());
    }

    /** Calls {@code send} {@code count} times, spread evenly at {@link #rate} per second. */
    private void paced(long count, Send send) throws IOException {
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (long n = 0; n < count; n++) {
            send.send(n);
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private interface Send {
        void send(long n) throws IOException;
    }

    /** Waits until no reply has come to these sockets for 2 s (at most 30 s). */
    private static void settle(List<KrpcSocket> sockets) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = sockets.stream().mapToLong(s -> s.bytesReceived.get()).sum();
            if (now == last) {
                return;
            }
            last = now;
            TimeUnit.SECONDS.sleep(2);  // quiet period: what "settled" means here
        }
    }
}
