package dev.dhtsignal.tools.peer;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.signal.Connection;
import java.io.PrintStream;
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
 * ({@link RtcDataChannel#bufferedAmount()}) would pass 16 MiB. So before each message the sender waits
 * until the queue holds at most {@code highWater - size} bytes, which keeps it under {@code highWater}. A
 * high mark keeps the network busy while we sleep; a low one bounds memory and latency.
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
    record Settings(List<Integer> sizes, List<Long> highWaters, long volume, Duration duration, Duration warmup) {
    }

    /** One measured run: the sender's view and the receiver's. */
    private record Row(int size, long highWater, long messages, long bytes, long sendNanos, long sendCallNanos,
                       long stalls, long stallNanos, double cpuPercent, String threads, Control.Result received) {
        double seconds() {
            return received.nanos() / 1e9;
        }

        double megabytesPerSecond() {
            return received.nanos() == 0 ? 0 : received.bytes() * 1e3 / received.nanos();
        }

        double messagesPerSecond() {
            return received.nanos() == 0 ? 0 : received.messages() * 1e9 / received.nanos();
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
        byte[] payload = new byte[size];
        ThreadLocalRandom.current().nextBytes(payload);  // incompressible, though nothing on the path compresses
        long drainTo = highWater - size;  // so that after the send at most highWater bytes are queued
        channel.send(new Control.Begin(size, highWater, warmup).toString());

        ThreadCpu cpuBefore = ThreadCpu.snapshot();
        long start = System.nanoTime();
        long stop = start + duration.toNanos();
        long messages = 0;
        long bytes = 0;
        long stalls = 0;
        long stallNanos = 0;
        long sendCallNanos = 0;
        while (bytes < volume && System.nanoTime() < stop) {
            if (channel.bufferedAmount() > drainTo) {
                long t = System.nanoTime();
                channel.awaitBufferedBelow(drainTo, STALL_LIMIT);
                stallNanos += System.nanoTime() - t;
                stalls++;
            }
            long t = System.nanoTime();
            channel.send(payload);
            sendCallNanos += System.nanoTime() - t;
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
        return new Row(size, highWater, messages, bytes, sendNanos, sendCallNanos, stalls, stallNanos,
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
        out.println("| size | high-water | messages | MB | seconds | MB/s | msgs/s | sender stalled | send() share"
                + " | sender CPU | receiver CPU |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.2f | **%.1f** | %.0f | %d× %.0f%% | %.0f%% | %.0f%% | %.0f%% |%n",
                    ByteSize.format(r.size()), ByteSize.format(r.highWater()), r.messages(), r.bytes() / 1e6,
                    r.seconds(), r.megabytesPerSecond(), r.messagesPerSecond(),
                    r.stalls(), 100.0 * r.stallNanos() / r.sendNanos(), 100.0 * r.sendCallNanos() / r.sendNanos(),
                    r.cpuPercent(), r.received().cpuPercent());
        }
        out.println();
        out.println("MB = 10^6 bytes; time and rate as the receiver saw them (first payload byte to the end marker).");
        out.println("'sender stalled': waits for the send buffer to drain to the high-water mark, and their share of"
                + " the sending time; 'send() share': time inside RtcDataChannel.send. CPU in % of one core.");
        out.println();
        out.println("Busiest threads per run (% of one core):");
        for (Row r : rows) {
            out.printf("- %s @ %s: sender: %s; receiver: %s%n", ByteSize.format(r.size()), ByteSize.format(r.highWater()),
                    r.threads(), r.received().threads());
        }
        out.flush();
    }
}
