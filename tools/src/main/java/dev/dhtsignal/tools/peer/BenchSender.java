package dev.dhtsignal.tools.peer;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.signal.exchange.Connection;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of {@link ChannelBench}: for every high-water mark and message size, sends a volume of
 * binary messages as fast as the channel takes them, then the end marker, and collects what the receiver
 * measured (see {@link Control}). Prints a markdown table at the end.
 *
 * <p>Flow control: libwebrtc queues what it cannot send yet and closes the channel if that queue
 * ({@link RtcDataChannel#bufferedAmount()}) would pass 16 MiB. The sender keeps the queue at or under
 * {@code highWater} in one of two ways ({@link Flow}):
 * <ul>
 *   <li>{@code per-message}: asks {@link RtcDataChannel#bufferedAmount()} before every message and, if
 *       the message would not fit, waits with {@code awaitBufferedBelow(highWater - size)}. Simple, but
 *       every bufferedAmount() is a blocking call onto libwebrtc's network thread.</li>
 *   <li>{@code low-water} (default): counts what it sent since it last asked; the queue can only have
 *       shrunk since, so last answer + sent since is an upper bound. Only when that bound would pass the
 *       mark does it ask again, and if the queue really is full it waits until it has drained to half the
 *       mark (or to {@code highWater - size} if that is less), then sends that much without asking.
 *       The same guarantee with one question per half mark instead of one per message.</li>
 * </ul>
 * A high mark keeps the network busy while the sender sleeps; a low one bounds memory and latency.
 */
final class BenchSender {
    private static final Logger log = LoggerFactory.getLogger(BenchSender.class);
    /** Longest a single wait for the send buffer to drain may take before the run is called stuck. */
    private static final Duration STALL_LIMIT = Duration.ofSeconds(30);
    /** How long the receiver may take to report after the end marker went out (draining up to 16 MiB). */
    private static final Duration RESULT_LIMIT = Duration.ofSeconds(60);
    /** Size of the untimed warm-up run's messages: the JIT compiles the send and receive paths during it. */
    private static final int WARMUP_SIZE = 16 * 1024;

    /**
     * What to measure.
     *
     * @param sizes message sizes, one run each per high-water mark
     * @param highWaters send-buffer high-water marks to try
     * @param volume bytes per run (a run also ends after {@code duration})
     * @param warmup length of the untimed warm-up run; zero for none
     */
    record Settings(List<Integer> sizes, List<Long> highWaters, long volume, Duration duration, Duration warmup,
                    Flow flow) {
    }

    /** How the sender keeps the send queue under the high-water mark; see the class comment. */
    enum Flow {
        PER_MESSAGE("per-message"), LOW_WATER("low-water");

        final String label;

        Flow(String label) {
            this.label = label;
        }
    }

    /** One measured run: the sender's view and the receiver's. */
    private record Row(int size, long highWater, long messages, long bytes, long sendNanos, long sendCallNanos,
                       long queries, long stalls, long stallNanos, double cpuPercent, String threads,
                       Control.Result received) {
        double seconds() {
            return received.nanos() / 1e9;
        }

        double megabytesPerSecond() {
            return received.nanos() == 0 ? 0 : received.bytes() * 1e3 / received.nanos();
        }

        double messagesPerSecond() {
            return received.nanos() == 0 ? 0 : received.messages() * 1e9 / received.nanos();
        }

        /**
         * CPU time both processes spent per MB moved, in ms. Unlike MB/s it hardly depends on what else
         * runs on the machine, so it compares runs on a busy machine: 2 cores give at most 2000 CPU-ms per
         * second, so 2000 / this is a ceiling for MB/s here.
         */
        double cpuMillisPerMegabyte() {
            double cpuSeconds = cpuPercent / 100 * sendNanos / 1e9 + received.cpuPercent() / 100 * received.nanos() / 1e9;
            return bytes == 0 ? 0 : cpuSeconds * 1e3 / (bytes / 1e6);
        }
    }

    private final Connection connection;
    private final RtcDataChannel channel;
    private final Settings settings;
    private final PrintStream out;

    BenchSender(Connection connection, Settings settings, PrintStream out) {
        this.connection = connection;
        this.channel = connection.channel();
        this.settings = settings;
        this.out = out;
    }

    /** Runs every measurement and prints the table. */
    void run() throws InterruptedException, TimeoutException {
        expect(Control.Ready.class, Duration.ofSeconds(20), "the receiver's 'ready'");
        if (!settings.warmup().isZero()) {
            log.info("warm-up: {} KiB messages for {} ms", WARMUP_SIZE / 1024, settings.warmup().toMillis());
            Row warm = measure(WARMUP_SIZE, settings.highWaters().get(0), settings.volume(), settings.warmup(), true);
            log.info("warm-up done: {} MB/s", String.format(Locale.ROOT, "%.1f", warm.megabytesPerSecond()));
        }
        List<Row> rows = new ArrayList<>();
        for (long highWater : settings.highWaters()) {
            for (int size : settings.sizes()) {
                Row row = measure(size, highWater, settings.volume(), settings.duration(), false);
                log.info("{} messages, high-water {}: {} MB/s", ByteSize.format(size), ByteSize.format(highWater),
                        String.format(Locale.ROOT, "%.1f", row.megabytesPerSecond()));
                rows.add(row);
            }
        }
        channel.send(new Control.Done().toString());
        print(rows);
    }

    /** One run: begin, payload until the volume or the time is used up, end marker, the receiver's result. */
    private Row measure(int size, long highWater, long volume, Duration duration, boolean warmup)
            throws InterruptedException, TimeoutException {
        byte[] random = new byte[size];
        ThreadLocalRandom.current().nextBytes(random);  // incompressible, though nothing on the path compresses
        // A direct buffer, as the file sender uses: the channel's cheapest way in.
        ByteBuffer payload = ByteBuffer.allocateDirect(size).put(random).flip();
        channel.send(new Control.Begin(size, highWater, warmup).toString());

        ThreadCpu cpuBefore = ThreadCpu.snapshot();
        long start = System.nanoTime();
        long stop = start + duration.toNanos();
        long messages = 0;
        long bytes = 0;
        long queries = 0;      // bufferedAmount() calls
        long stalls = 0;       // awaitBufferedBelow() calls that had to wait
        long stallNanos = 0;
        long sendCallNanos = 0;
        long queuedAtMost = 0; // low-water: an upper bound of the queue, from the last answer plus what was sent since
        while (bytes < volume && System.nanoTime() < stop) {
            long waitFor = -1;  // the queue length to wait for before sending, or -1 to send now
            if (settings.flow() == Flow.PER_MESSAGE) {
                queries++;
                if (channel.bufferedAmount() > highWater - size) {
                    waitFor = highWater - size;
                }
            } else if (queuedAtMost + size > highWater) {
                queries++;
                queuedAtMost = channel.bufferedAmount();
                if (queuedAtMost + size > highWater) {
                    waitFor = Math.min(highWater / 2, highWater - size);
                }
            }
            if (waitFor >= 0) {
                long t = System.nanoTime();
                channel.awaitBufferedBelow(waitFor, STALL_LIMIT);
                stallNanos += System.nanoTime() - t;
                stalls++;
                queuedAtMost = waitFor;
            }
            long t = System.nanoTime();
            channel.send(payload);
            sendCallNanos += System.nanoTime() - t;
            queuedAtMost += size;
            messages++;
            bytes += size;
        }
        channel.send(new Control.End(messages, bytes).toString());
        long sendNanos = System.nanoTime() - start;
        ThreadCpu cpuAfter = ThreadCpu.snapshot();

        Control.Result received = expect(Control.Result.class, RESULT_LIMIT,
                "the receiver's result for the " + ByteSize.format(size) + " run");
        if (received.messages() != messages || received.bytes() != bytes) {
            throw new IllegalStateException("sent " + messages + " messages / " + bytes + " bytes but the receiver counted "
                    + received.messages() + " / " + received.bytes());
        }
        return new Row(size, highWater, messages, bytes, sendNanos, sendCallNanos, queries, stalls, stallNanos,
                cpuAfter.processPercentSince(cpuBefore), cpuAfter.busiestSince(cpuBefore, 4), received);
    }

    /** The next control message from the receiver, which must be a {@code type}. */
    private <T extends Control> T expect(Class<T> type, Duration limit, String what) {
        ChannelMessage message = connection.inbox().next(limit, what);
        Control control = Control.parse(message.text());
        if (!type.isInstance(control)) {
            throw new IllegalStateException("waited for " + what + " but the receiver sent '" + message.text() + "'");
        }
        return type.cast(control);
    }

    private void print(List<Row> rows) {
        out.println("Flow control: " + settings.flow().label + ".");
        out.println();
        out.println("| size | high-water | messages | MB | seconds | MB/s | msgs/s | bufferedAmount() calls"
                + " | sender stalled | send() share | sender CPU | receiver CPU | CPU-ms per MB |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.2f | **%.1f** | %.0f | %d | %d× %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.1f |%n",
                    ByteSize.format(r.size()), ByteSize.format(r.highWater()), r.messages(), r.bytes() / 1e6,
                    r.seconds(), r.megabytesPerSecond(), r.messagesPerSecond(), r.queries(),
                    r.stalls(), 100.0 * r.stallNanos() / r.sendNanos(), 100.0 * r.sendCallNanos() / r.sendNanos(),
                    r.cpuPercent(), r.received().cpuPercent(), r.cpuMillisPerMegabyte());
        }
        out.println();
        out.println("MB = 10^6 bytes; time and rate as the receiver saw them (first payload byte to the end marker).");
        out.println("'sender stalled': waits in awaitBufferedBelow for the send queue to drain, and their share of"
                + " the sending time; 'send() share': time inside RtcDataChannel.send. CPU in % of one core;"
                + " 'CPU-ms per MB': both processes together, which depends little on other load (2 cores = 2000 CPU-ms/s).");
        out.println();
        out.println("Busiest threads per run (% of one core):");
        for (Row r : rows) {
            out.printf("- %s @ %s: sender: %s; receiver: %s%n", ByteSize.format(r.size()), ByteSize.format(r.highWater()),
                    r.threads(), r.received().threads());
        }
        out.flush();
    }
}
