package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.wire.WireCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
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
 * <p>Pacing: after every batch (so many datagrams or 1 MB, whichever first) the fuzzer pings the node
 * from a socket of its own and waits for the reply. The node answers in the order it reads, so by then it
 * has dealt with the batch; the datagrams reach the node's code instead of overflowing its socket buffer.
 * The kernel's drop count for the node's socket (when the node is on this host) shows whether that held.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sends random and mutated datagrams at a running DHT node, then checks it still answers ping "
                + "with its id.", "Exit status: 0 the node survived, 1 it did not answer afterwards (or stopped "
                + "answering midway), 2 it did not answer before."})
public final class Fuzz implements Callable<Integer> {
    /** A batch ends after this many bytes even if it has fewer datagrams: the node's buffer is 4 MB. */
    private static final long BATCH_BYTES = 1 << 20;
    /** Pacing pings in a row that may go unanswered before the fuzzer decides the node is down. */
    private static final int MAX_LOST_PINGS_IN_A_ROW = 5;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node to fuzz (loopback unless --allow-remote).")
    String target;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000000",
            description = "Datagrams to send (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for the datagrams; printed when not given, "
            + "so a run can be repeated.")
    Long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "500",
            description = "Datagrams between pacing pings (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "8",
            description = "Source addresses (127.0.0.2, .3, ...) to spread the datagrams over, so that a per-source "
                    + "rate limit lets more of the well-formed ones through (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--ping-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
            description = "Wait for each pacing ping (default: ${DEFAULT-VALUE}).")
    Duration pingTimeout;

    @Option(names = "--time-limit", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
            description = "Stop sending after this long even if COUNT is not reached (default: ${DEFAULT-VALUE}).")
    Duration timeLimit;

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
        if (count < 0 || batch < 1 || sources < 1 || sources > 200) {
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
            OptionalLong dropsBefore = HostProbes.socketDrops(node.getPort());

            long[] made = new long[DatagramMutator.Kind.values().length];
            long sent = 0;
            long bytes = 0;
            long notSent = 0;
            long pingsAnswered = 0;
            long pingsLost = 0;
            int lostInARow = 0;
            String stoppedBecause = null;
            long start = System.nanoTime();
            long deadline = start + timeLimit.toNanos();
            long nextProgress = start + 5_000_000_000L;
            int inBatch = 0;
            long batchBytes = 0;
            for (long i = 0; i < count; i++) {
                DatagramMutator.Mutant m = mutator.next();
                made[m.kind().ordinal()]++;
                if (sockets.send((int) (i % sources), m.bytes())) {
                    sent++;
                    bytes += m.bytes().length;
                } else {
                    notSent++;
                }
                inBatch++;
                batchBytes += m.bytes().length;
                if (inBatch >= batch || batchBytes >= BATCH_BYTES || i == count - 1) {
                    inBatch = 0;
                    batchBytes = 0;
                    sockets.drain(this::fromNode);
                    if (control.ping(pingTimeout).isPresent()) {
                        pingsAnswered++;
                        lostInARow = 0;
                    } else {
                        pingsLost++;
                        if (++lostInARow >= MAX_LOST_PINGS_IN_A_ROW) {
                            stoppedBecause = lostInARow + " pacing pings in a row went unanswered after " + sent + " datagrams";
                            break;
                        }
                    }
                    long now = System.nanoTime();
                    if (now > deadline) {
                        stoppedBecause = "time limit " + timeLimit.toSeconds() + " s reached after " + sent + " datagrams";
                        break;
                    }
                    if (now > nextProgress) {
                        nextProgress = now + 5_000_000_000L;
                        System.err.printf("fuzz: %d sent, %.0f/s%n", sent, sent / ((now - start) / 1e9));
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sockets.drain(this::fromNode);
            Optional<NodeId> after = control.pingWithRetries(Duration.ofSeconds(6), 3);
            OptionalLong dropsAfter = HostProbes.socketDrops(node.getPort());

            MarkdownTable table = new MarkdownTable("how the datagram was made", "count");
            for (DatagramMutator.Kind k : DatagramMutator.Kind.values()) {
                table.row(k.description, made[k.ordinal()]);
            }
            System.out.println("fuzz: " + Endpoints.format(node) + ", seed " + seedValue);
            System.out.println();
            System.out.print(table);
            System.out.println();
            System.out.printf(Locale.ROOT, "sent: %d datagrams, %d bytes, in %.1f s (%.0f/s) from %d source addresses%s%n",
                    sent, bytes, seconds, sent / Math.max(seconds, 1e-9), sources,
                    notSent > 0 ? "; " + notSent + " not sent (our socket buffer stayed full)" : "");
            System.out.printf("node's replies to fuzz datagrams: %d; node's requests to the fuzz sockets (answered with "
                    + "garbage): %d; to the ping socket (ignored): %d%n", repliesFromNode, requestsFromNode,
                    control.requestsFromNode());
            System.out.printf("pacing pings: %d answered, %d lost%n", pingsAnswered, pingsLost);
            System.out.println("kernel drops at the node's socket during the run: " + (dropsBefore.isPresent() && dropsAfter.isPresent()
                    ? String.valueOf(dropsAfter.getAsLong() - dropsBefore.getAsLong()) : "unknown (node not on this host?)"));
            if (stoppedBecause != null) {
                System.out.println("stopped early: " + stoppedBecause);
            }
            boolean same = after.isPresent() && after.get().equals(before.get());
            System.out.println("after: " + (after.isEmpty() ? "NO ANSWER to ping"
                    : same ? "node answers ping with its id " + after.get().toHex()
                    : "node answers ping with a DIFFERENT id " + after.get().toHex() + " (was " + before.get().toHex() + ")"));
            boolean lostMidway = stoppedBecause != null && lostInARow >= MAX_LOST_PINGS_IN_A_ROW;
            return same && !lostMidway ? 0 : 1;
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
