package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages received on a data channel, queued for whoever reads them next, bounded in count and bytes:
 * with a peer that speaks the {@code peer} protocol nobody reads {@code chat} after the greetings, and
 * what the other side sends there must not pile up (10 000 messages of 256 KiB would be 2.5 GiB).
 */
public final class Inbox {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    private static final int CAPACITY = 10_000;
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private final LinkedBlockingQueue<ChannelMessage> queue = new LinkedBlockingQueue<>(CAPACITY);
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private Inbox() {
    }

    public static Inbox of(RtcDataChannel channel) {
        Inbox inbox = new Inbox();
        channel.onMessage(m -> {
            int size = m.data().length;
            if (inbox.bytes.addAndGet(size) > MAX_BYTES || !inbox.queue.offer(m)) {
                inbox.bytes.addAndGet(-size);
                long count = inbox.dropped.incrementAndGet();
                if (Long.toString(count).matches("10*")) {  // the first, the 10th, the 100th...: no flood of lines
                    log.warn("dropped {} message(s) on '{}': {} messages ({} bytes) wait to be read", count,
                            channel.label(), inbox.queue.size(), inbox.bytes.get());
                }
            }
        });
        return inbox;
    }

    /** The next message, waiting up to {@code limit}; empty if none came. */
    public Optional<ChannelMessage> poll(Duration limit) throws InterruptedException {
        ChannelMessage m = queue.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
        if (m != null) {
            bytes.addAndGet(-m.data().length);
        }
        return Optional.ofNullable(m);
    }

    /** The next message; fails naming {@code what} when none comes within {@code limit}. */
    public ChannelMessage next(Duration limit, String what) {
        try {
            return poll(limit).orElseThrow(() -> new SignalingException(
                    "gave up waiting for " + what + " after " + Waits.seconds(limit)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while waiting for " + what);
        }
    }
}
