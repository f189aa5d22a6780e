package dev.dhtsignal.tools.peer;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.signal.exchange.Connection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of {@link ChannelBench}: counts the payload of each run and, when the run's end
 * marker arrives, replies with what it measured (see {@link Control} for the exchange).
 *
 * <p>The listener does as little as possible per message (two additions and a time stamp), so the
 * numbers show what the data channel delivers, not what this class costs. It runs on the channel's own
 * delivery thread, one message at a time, so the counters need no locking.
 */
final class BenchReceiver {
    private static final Logger log = LoggerFactory.getLogger(BenchReceiver.class);

    private final Connection connection;
    private final PrintStream out;
    /** Completed by the listener when the sender says "done", or failed on a protocol error. */
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** When the last message came, for the idle limit; written by the listener, read by {@link #run}. */
    private volatile long lastMessageNanos = System.nanoTime();

    // Touched only by the listener (one message at a time, in order).
    private Control.Begin run;
    private long messages;
    private long bytes;
    private long firstNanos;
    private ThreadCpu cpuAtBegin;

    BenchReceiver(Connection connection, PrintStream out) {
        this.connection = connection;
        this.out = out;
    }

    /**
     * Receives runs until the sender says "done".
     *
     * @param idleLimit how long the sender may stay silent before we give up
     * @throws IllegalStateException if the connection ends first, the sender goes silent, or it breaks the protocol
     */
    void run(Duration idleLimit) throws InterruptedException {
        RtcDataChannel channel = connection.channel();
        // Replaces the Inbox the Answerer installed. Nothing of the benchmark can have gone there: the
        // sender waits for "ready", which is sent only after this listener is in place.
        channel.onMessage(this::onMessage);
        channel.send(new Control.Ready().toString());
        CompletableFuture<Void> closed = channel.closed();
        CompletableFuture<?> ended = connection.peer().ended();
        while (true) {
            try {
                done.get(1, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException stillRunning) {
                // Look at the connection and the idle limit once a second.
            }
            if (closed.isDone() || ended.isDone()) {
                throw new IllegalStateException("the connection to the sender ended before it said 'done'");
            }
            long idle = System.nanoTime() - lastMessageNanos;
            if (idle > idleLimit.toNanos()) {
                throw new IllegalStateException("no message from the sender for " + idleLimit.toSeconds() + " s");
            }
        }
    }

    private void onMessage(ChannelMessage message) {
        if (message.binary()) {
            // The hot path: one call per payload message.
            if (messages == 0) {
                firstNanos = System.nanoTime();
            }
            messages++;
            bytes += message.data().length;
            lastMessageNanos = System.nanoTime();
            connection.channel().recycle(message.data());  // as the file receiver does: no new array per message
            return;
        }
        lastMessageNanos = System.nanoTime();
        Control control;
        try {
            control = Control.parse(message.text());
        } catch (IllegalArgumentException e) {
            done.completeExceptionally(e);
            return;
        }
        if (control instanceof Control.Begin begin) {
            run = begin;
            messages = 0;
            bytes = 0;
            cpuAtBegin = ThreadCpu.snapshot();
        } else if (control instanceof Control.End end) {
            finishRun(end);
        } else if (control instanceof Control.Done) {
            done.complete(null);
        } else {
            log.warn("ignoring unexpected control message '{}'", message.text());
        }
    }

    /** The end marker came: everything sent before it has arrived (the channel is ordered and reliable). */
    private void finishRun(Control.End end) {
        long markerNanos = System.nanoTime();
        ThreadCpu cpu = ThreadCpu.snapshot();
        if (run == null || cpuAtBegin == null) {
            done.completeExceptionally(new IllegalStateException("an end marker without a begin"));
            return;
        }
        if (end.messages() != messages || end.bytes() != bytes) {
            // Cannot happen on a reliable ordered channel; if it does, it is the headline, not a footnote.
            log.error("the sender sent {} messages / {} bytes but {} / {} arrived", end.messages(), end.bytes(),
                    messages, bytes);
        }
        long nanos = messages == 0 ? 0 : markerNanos - firstNanos;
        Control.Result result = new Control.Result(messages, bytes, nanos,
                cpu.processPercentSince(cpuAtBegin), cpu.busiestSince(cpuAtBegin, 4));
        connection.channel().send(result.toString());
        if (!run.warmup()) {
            out.printf(java.util.Locale.ROOT, "received size=%d messages=%d bytes=%d seconds=%.3f MB/s=%.1f%n",
                    run.size(), messages, bytes, nanos / 1e9, nanos == 0 ? 0 : bytes * 1e3 / nanos);
            out.flush();
        }
        run = null;
    }
}
