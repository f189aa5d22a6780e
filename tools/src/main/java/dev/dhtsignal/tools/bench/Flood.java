package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
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
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flood}: a million distinct {@code store} requests at a running node (distinct keys, small
 * values, many sender ids, spread over many loopback source addresses), paced like {@link Fuzz}: a ping
 * from a socket of its own after every batch. Prints what it sent and how the node answered: stored
 * ({@code true}), refused ({@code false}: storage full or value too large) or not at all (rate limited,
 * or lost). Exits 1 if the node does not answer ping afterwards.
 *
 * <p>What the node should do under it: keep at most its entry limit, refuse the rest, drop what is over
 * its rate limits, and keep its memory bounded; {@code scripts/flood-dht.sh} checks the memory.
 */
@Command(name = "flood", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Floods a running DHT node with distinct store requests and reports how it answered.",
                "Exit status: 0 the node answers ping afterwards, 1 it does not, 2 it did not answer before."})
public final class Flood implements Callable<Integer> {
    /** How many distinct keys {@link #collidingKey} makes: ten byte pairs, four choices each. */
    private static final long COLLIDING_KEYS = 1L << 20;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to flood (loopback unless --allow-remote).")
    String target;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000000",
            description = "Store requests to send, each for a different key (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "32",
            description = "Source addresses (127.0.0.2, .3, ...) to spread the requests over (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--sender-ids", paramLabel = "N", defaultValue = "100000",
            description = "Distinct node ids the requests claim to come from (default: ${DEFAULT-VALUE}).")
    int senderIds;

    @Option(names = "--value-bytes", paramLabel = "N", defaultValue = "16",
            description = "Length of each value, a msgpack str (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--colliding-keys",
            description = "Keys that all share one Java hash code (Arrays.hashCode of the 20 bytes), as an attacker "
                    + "could choose them: shows whether the node's storage degrades under hash collisions. At most "
                    + COLLIDING_KEYS + " requests.")
    boolean collidingKeys;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for keys, ids and message ids.")
    Long seed;

    @picocli.CommandLine.Mixin
    PacedSender.Options pacing = new PacedSender.Options();

    @Option(names = "--allow-remote", description = "Allow a target that is not on loopback.")
    boolean allowRemote;

    private long acceptedTrue;
    private long acceptedFalse;
    private long badReplies;
    private long requestsFromNode;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new Flood(), args));
    }

    @Override
    public Integer call() throws IOException {
        InetSocketAddress node = Targets.parse(this, target, allowRemote);
        if (count < 0 || sources < 1 || sources > 200 || senderIds < 1 || valueBytes < 1 || valueBytes > 8000 || pacing.batch < 1) {
            throw Cli.usage(this, "--count >= 0, --sources 1..200, --sender-ids >= 1, --value-bytes 1..8000, --batch >= 1");
        }
        if (collidingKeys && count > COLLIDING_KEYS) {
            throw Cli.usage(this, "--colliding-keys makes at most " + COLLIDING_KEYS + " distinct keys");
        }
        long seedValue = seed != null ? seed : new SecureRandom().nextLong();
        Random random = new Random(seedValue);
        NodeId[] senders = new NodeId[senderIds];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = NodeId.random(random);
        }
        // Keys: 12 random bytes for this run, then the request's number: distinct by construction.
        byte[] keyPrefix = new byte[12];
        random.nextBytes(keyPrefix);

        try (ControlPing control = ControlPing.open(node, new Random(seedValue + 1));
             SourceSockets sockets = SourceSockets.open(node, sources, 2)) {
            Optional<NodeId> before = control.pingWithRetries(Duration.ofSeconds(6), 3);
            if (before.isEmpty()) {
                System.err.println("flood: " + Endpoints.format(node) + " did not answer ping before flooding; is a node running there?");
                return 2;
            }
            System.err.printf("flood: %d stores at %s from %d sources, %d sender ids%s%n", count, Endpoints.format(node),
                    sources, senderIds, collidingKeys ? ", keys with colliding hash codes" : "");
            ByteBuffer key = ByteBuffer.allocate(NodeId.LENGTH);
            PacedSender.Result run = PacedSender.run("flood", "requests", node, count, i -> {
                NodeId keyId;
                if (collidingKeys) {
                    keyId = collidingKey(i);
                } else {
                    key.clear();
                    key.put(keyPrefix).putLong(i);
                    keyId = NodeId.of(key.array());
                }
                return WireCodec.encodeRequest(MessageId.random(random), new RpcRequest.Store(
                        senders[(int) (i % senders.length)], keyId, value(i)));
            }, sockets, control, this::fromNode, pacing,
                    () -> ", " + acceptedTrue + " stored, " + acceptedFalse + " refused");

            long unanswered = run.sent() - acceptedTrue - acceptedFalse - badReplies;
            System.out.println("flood: " + Endpoints.format(node) + ", seed " + seedValue);
            System.out.println();
            System.out.print(new MarkdownTable("store requests", "count")
                    .row("sent", run.sent())
                    .row("answered true (stored)", acceptedTrue)
                    .row("answered false (refused: storage full or value too large)", acceptedFalse)
                    .row("not answered (rate limited, or lost)", unanswered)
                    .row("answered with something other than a store reply", badReplies));
            System.out.println();
            System.out.printf(Locale.ROOT, "sent %d bytes in %.1f s (%.0f requests/s) from %d source addresses, "
                            + "%d sender ids, %d-byte values%s%s%n", run.bytes(), run.seconds(), run.perSecond(), sources,
                    senderIds, valueBytes, collidingKeys ? ", keys with colliding hash codes" : "", run.notSentNote());
            System.out.printf("node's requests to the flood sockets (ignored): %d; to the ping socket: %d%n",
                    requestsFromNode, control.requestsFromNode());
            run.printSummary(before.get());
            return run.survived(before.get()) ? 0 : 1;
        }
    }

    /**
     * The i-th of 2^20 keys with the same {@code Arrays.hashCode}: that hash is a polynomial in 31 over
     * the (signed) bytes, so raising one byte by k and lowering the next by 31k leaves it unchanged. Each
     * of ten byte pairs is (k, 100 - 31k) for k = 0..3, chosen by two bits of i.
     */
    static NodeId collidingKey(long i) {
        byte[] b = new byte[NodeId.LENGTH];
        for (int pair = 0; pair < 10; pair++) {
            int k = (int) (i >>> (2 * pair)) & 3;
            b[2 * pair] = (byte) k;
            b[2 * pair + 1] = (byte) (100 - 31 * k);
        }
        return NodeId.of(b);
    }

    /** A str of exactly {@code valueBytes} bytes that names the request, so values differ too. */
    private DhtValue value(long i) {
        StringBuilder sb = new StringBuilder(valueBytes).append('v').append(i);
        while (sb.length() < valueBytes) {
            sb.append('.');
        }
        sb.setLength(valueBytes);
        return DhtValue.text(sb.toString());
    }

    /** Counts how the node answered; its own requests (checks of unknown senders) are left unanswered. */
    private void fromNode(byte[] data, int length, int socket) {
        try {
            Datagram d = WireCodec.decode(data, 0, length);
            if (d instanceof Datagram.Request) {
                requestsFromNode++;
                return;
            }
            RpcResponse r = WireCodec.decodeResponse(RpcKind.STORE, ((Datagram.Response) d).body());
            if (((RpcResponse.StoreReply) r).stored()) {
                acceptedTrue++;
            } else {
                acceptedFalse++;
            }
        } catch (MalformedDatagramException e) {
            badReplies++;
        }
    }
}
