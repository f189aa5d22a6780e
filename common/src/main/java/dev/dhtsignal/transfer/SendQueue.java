package dev.dhtsignal.transfer;

import dev.dhtsignal.rtc.RtcDataChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Everything sent on the {@code peer} channel goes through here, one message at a time, with the
 * channel's send buffer kept bounded: looked at after every {@link #CHECK_EVERY_BYTES} queued, and when
 * more than {@link #HIGH_WATER} wait, the sender waits until at most {@link #LOW_WATER} do. libwebrtc
 * closes a channel whose buffer passes 16 MiB, so no sender may let it grow that far.
 */
final class SendQueue {
    /** How often the send buffer is looked at, in bytes queued; asking the native side costs a call. */
    private static final long CHECK_EVERY_BYTES = 512 * 1024;
    /** Above this much queued (checked every CHECK_EVERY_BYTES), wait until it falls to LOW_WATER. */
    private static final long HIGH_WATER = 4L * 1024 * 1024 - CHECK_EVERY_BYTES;
    private static final long LOW_WATER = 2L * 1024 * 1024;
    /** A send buffer that does not drain in this long means the connection is gone. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);
    /**
     * While waiting for the send buffer to drain, the connection's state is looked at this often: a
     * receiver that vanished (killed, its network gone) stops the sender once WebRTC declares the
     * connection lost, not a minute later.
     */
    private static final Duration DRAIN_CHECK = Duration.ofMillis(250);

    private final RtcDataChannel channel;
    private final CompletableFuture<?> connectionEnded;
    private long queuedSinceCheck; // guarded by this

    SendQueue(RtcDataChannel channel, CompletableFuture<?> connectionEnded) {
        this.channel = channel;
        this.connectionEnded = connectionEnded;
    }

    synchronized void send(String json) {
        makeRoom();
        channel.send(json);
        queuedSinceCheck += json.length();
    }

    synchronized void sendChunk(ByteBuffer data) {
        makeRoom();
        int length = data.remaining();
        channel.send(data);
        queuedSinceCheck += length;
    }

    private void makeRoom() {
        if (queuedSinceCheck < CHECK_EVERY_BYTES) {
            return;
        }
        queuedSinceCheck = 0;
        if (channel.bufferedAmount() <= HIGH_WATER) {
            return;
        }
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        while (true) {
            if (connectionEnded.isDone()) {
                throw new IllegalStateException("the connection was lost");
            }
            try {
                channel.awaitBufferedBelow(LOW_WATER, DRAIN_CHECK);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting to send");
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing could be sent for " + DRAIN_LIMIT.toSeconds() + " s");
                }
            }
        }
    }
}
