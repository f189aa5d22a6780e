package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fuzz}: sends random and mutated datagrams (see {@link DatagramMutator}) at a running node, then
 * checks that it still answers ping with the id it had before. Exits 0 when it does, 1 when it does not,
 * 2 when the node did not answer even before fuzzing.
 *
 * <p>Paced by {@link PacedSender}; the kernel's drop count for the node's socket (when the node is on
 * this host) shows whether the pacing held.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sends random and mutated datagrams at a running DHT node, then checks it still answers ping "
                + "with its id.", "Exit status: 0 the node survived, 1 it did not answer afterwards (or stopped "
                + "answering midway), 2 it did not answer before."})
public final class Fuzz implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to fuzz (loopback unless --allow-remote).")
    String target;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000000",
            description = "Datagrams to send (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for the datagrams; printed when not given, "
            + "so a run can be repeated.")
    Long seed;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "8",
            description = "Source addresses (127.0.0.2, .3, ...) to spread the datagrams over, so that a per-source "
                    + "rate limit lets more of the well-formed ones through (default: ${DEFAULT-VALUE}).")
    int sources;

    @picocli.CommandLine.Mixin
    PacedSender.Options pacing = new PacedSender.Options();

    @Option(names = "--allow-remote", description = "Allow a target that is not on loopback.")
    boolean allowRemote;

    private DatagramMutator mutator;
    private SourceSockets out;
    private long repliesFromNode;
    private long requestsFromNode;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new Fuzz(), args));
    }

    @Override
    public Integer call() throws IOException {
        InetSocketAddress node = Targets.parse(this, target, allowRemote);
        if (count < 0 || pacing.batch < 1 || sources < 1 || sources > 200) {
            throw Cli.usage(this, "--count must be >= 0, --batch >= 1, --sources in 1..200");
        }
        long seedValue = seed != null ? seed : new SecureRandom().nextLong();
        mutator = new DatagramMutator(CapturedDatagrams.load(), new Random(seedValue));
        try (ControlPing control = ControlPing.open(node, new Random(seedValue + 1));
             SourceSockets sockets = SourceSockets.open(node, sources, 2)) {
            out = sockets;
            Optional<NodeId> before = control.pingWithRetries(Duration.ofSeconds(6), 3);
            if (before.isEmpty()) {
                System.err.println("fuzz: " + Endpoints.format(node) + " did not answer ping before fuzzing; is a node running there?");
                return 2;
            }
            System.err.printf("fuzz: %d datagrams at %s (node %s), seed %d, from %d sources%n",
                    count, Endpoints.format(node), before.get().shortHex(), seedValue, sources);
            long[] made = new long[DatagramMutator.Kind.values().length];
            PacedSender.Result run = PacedSender.run("fuzz", "datagrams", node, count, i -> {
                DatagramMutator.Mutant m = mutator.next();
                made[m.kind().ordinal()]++;
                return m.bytes();
            }, sockets, control, this::fromNode, pacing, () -> "");

            MarkdownTable table = new MarkdownTable("how the datagram was made", "count");
            for (DatagramMutator.Kind k : DatagramMutator.Kind.values()) {
                table.row(k.description, made[k.ordinal()]);
            }
            System.out.println("fuzz: " + Endpoints.format(node) + ", seed " + seedValue);
            System.out.println();
            System.out.print(table);
            System.out.println();
            System.out.printf(Locale.ROOT, "sent: %d datagrams, %d bytes, in %.1f s (%.0f/s) from %d source addresses%s%n",
                    run.sent(), run.bytes(), run.seconds(), run.perSecond(), sources, run.notSentNote());
            System.out.printf("node's replies to fuzz datagrams: %d; node's requests to the fuzz sockets (answered with "
                    + "garbage): %d; to the ping socket (ignored): %d%n", repliesFromNode, requestsFromNode,
                    control.requestsFromNode());
            run.printSummary(before.get());
            return run.survived(before.get()) ? 0 : 1;
        }
    }

    /**
     * A datagram the node sent to a fuzz socket: a reply to a fuzz datagram that happened to be a good
     * request, or a request of the node's own (it pings a sender it does not know before taking it as a
     * contact). Those are answered with a broken reply carrying their message id, which exercises the
     * node's reply decoding as well.
     */
    private void fromNode(byte[] data, int length, int socket) throws IOException {
        if (length >= WireCodec.MIN_DATAGRAM_LENGTH && data[0] == WireCodec.REQUEST) {
            requestsFromNode++;
            out.send(socket, mutator.garbageResponse(Arrays.copyOf(data, length)));
        } else {
            repliesFromNode++;
        }
    }
}
