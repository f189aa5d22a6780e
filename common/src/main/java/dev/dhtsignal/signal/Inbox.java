package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Messages received on a data channel, queued for whoever reads them next (bounded). */
public final class Inbox {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    private static final int CAPACITY = 10_000;

    private final LinkedBlockingQueue<ChannelMessage> queue = new LinkedBlockingQueue<>(CAPACITY);

    private Inbox() {
    }

    public static Inbox of(RtcDataChannel channel) {
        Inbox inbox = new Inbox();
        channel.onMessage(m -> {
            if (!inbox.queue.offer(m)) {
                log.warn("dropped a message on '{}': {} messages are waiting to be read", channel.label(), CAPACITY);
            }
        });
        return inbox;
    }

    /** The next message, waiting up to {@code limit}; empty if none came. */
    public Optional<ChannelMessage> poll(Duration limit) throws InterruptedException {
        return Optional.ofNullable(queue.poll(limit.toNanos(), TimeUnit.NANOSECONDS));
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
