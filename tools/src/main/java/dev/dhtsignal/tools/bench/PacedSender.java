package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * Sends a stream of datagrams at a node as fast as it takes them, for the fuzzer and the flood tool:
 * after every batch (so many datagrams or 1 MB, whichever first) it pings the node from a separate socket
 * and waits for the reply. The reply comes once the node has worked through the batch, so the datagrams
 * reach the node's code instead of overflowing its socket buffer. It stops early when several pacing pings
 * in a row go unanswered (the node is gone or stuck) or the time limit passes.
 */
final class PacedSender {
    /** A batch ends after this many bytes even if it has fewer datagrams: the node's buffer is 4 MB. */
    private static final long BATCH_BYTES = 1 << 20;
    private static final int MAX_LOST_PINGS_IN_A_ROW = 5;
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    /** The pacing options both tools take (a picocli mixin). */
    static final class Options {
        @Option(names = "--batch", paramLabel = "N", defaultValue = "500",
                description = "Datagrams between pacing pings (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--ping-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
                description = "Wait for each pacing ping (default: ${DEFAULT-VALUE}).")
        Duration pingTimeout;

        @Option(names = "--time-limit", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
                description = "Stop sending after this long even if COUNT is not reached (default: ${DEFAULT-VALUE}).")
        Duration timeLimit;
    }

    /** How a run went. {@code stoppedBecause} is null when every datagram was sent. */
    record Result(long sent, long bytes, long notSent, long pingsAnswered, long pingsLost, boolean lostContact,
                  String stoppedBecause, double seconds, Optional<NodeId> after, OptionalLong socketDrops) {
        double perSecond() {
            return sent / Math.max(seconds, 1e-9);
        }

        String notSentNote() {
            return notSent > 0 ? "; " + notSent + " not sent (our socket buffer stayed full)" : "";
        }

        /** The lines both tools print about pacing, the node's socket and whether it survived. */
        void printSummary(NodeId before) {
            System.out.printf("pacing pings: %d answered, %d lost%n", pingsAnswered, pingsLost);
            System.out.println("kernel drops at the node's socket during the run: " + (socketDrops.isPresent()
                    ? String.valueOf(socketDrops.getAsLong()) : "unknown (node not on this host?)"));
            if (stoppedBecause != null) {
                System.out.println("stopped early: " + stoppedBecause);
            }
            System.out.println("after: " + (after.isEmpty() ? "NO ANSWER to ping"
                    : survived(before) ? "node answers ping with its id " + after.get().toHex()
                    : "node answers ping with a DIFFERENT id " + after.get().toHex() + " (was " + before.toHex() + ")"));
        }

        /** The node still answers with the same id, and never went silent during the run. */
        boolean survived(NodeId before) {
            return after.isPresent() && after.get().equals(before) && !lostContact;
        }
    }

    private PacedSender() {
    }

    /**
     * Sends {@code count} datagrams made by {@code next}, spread over the sockets, pacing as described,
     * handing whatever the node sends back to {@code fromNode}; then pings once more to see the node
     * survived.
     *
     * @param progress extra words for the progress line on standard error
     */
    static Result run(String tool, String unit, InetSocketAddress node, long count, LongFunction<byte[]> next, SourceSockets sockets,
                      ControlPing control, SourceSockets.Receiver fromNode, Options options, Supplier<String> progress)
            throws IOException {
        OptionalLong dropsBefore = HostProbes.socketDrops(node.getPort());
        long sent = 0;
        long bytes = 0;
        long notSent = 0;
        long pingsAnswered = 0;
        long pingsLost = 0;
        int lostInARow = 0;
        String stoppedBecause = null;
        long start = System.nanoTime();
        long deadline = start + options.timeLimit.toNanos();
        long nextProgress = start + PROGRESS_NANOS;
        int inBatch = 0;
        long batchBytes = 0;
        for (long i = 0; i < count; i++) {
            byte[] datagram = next.apply(i);
            if (sockets.send((int) (i % sockets.size()), datagram)) {
                sent++;
                bytes += datagram.length;
            } else {
                notSent++;
            }
            inBatch++;
            batchBytes += datagram.length;
            if (inBatch < options.batch && batchBytes < BATCH_BYTES && i != count - 1) {
                continue;
            }
            inBatch = 0;
            batchBytes = 0;
            sockets.drain(fromNode);
            if (control.ping(options.pingTimeout).isPresent()) {
                pingsAnswered++;
                lostInARow = 0;
            } else {
                pingsLost++;
                if (++lostInARow >= MAX_LOST_PINGS_IN_A_ROW) {
                    stoppedBecause = lostInARow + " pacing pings in a row went unanswered after " + sent + " " + unit;
                    break;
                }
            }
            long now = System.nanoTime();
            if (now > deadline) {
                stoppedBecause = "time limit " + options.timeLimit.toSeconds() + " s reached after " + sent + " " + unit;
                break;
            }
            if (now > nextProgress) {
                nextProgress = now + PROGRESS_NANOS;
                System.err.printf("%s: %d sent, %.0f/s%s%n", tool, sent, sent / ((now - start) / 1e9), progress.get());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // The last replies are on their way; one more ping round trip brings them in.
        Optional<NodeId> after = control.pingWithRetries(Duration.ofSeconds(6), 3);
        sockets.drain(fromNode);
        OptionalLong dropsAfter = HostProbes.socketDrops(node.getPort());
        OptionalLong drops = dropsBefore.isPresent() && dropsAfter.isPresent()
                ? OptionalLong.of(dropsAfter.getAsLong() - dropsBefore.getAsLong()) : OptionalLong.empty();
        return new Result(sent, bytes, notSent, pingsAnswered, pingsLost, lostInARow >= MAX_LOST_PINGS_IN_A_ROW,
                stoppedBecause, seconds, after, drops);
    }
}
