package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebRTC data channel: ordered, reliable messages to the other peer, text or binary.
 *
 * <p>Get one from {@link RtcPeer#createDataChannel(String)} (offering side) or
 * {@link RtcPeer#incomingDataChannel()} (answering side), wait for {@link #opened()}, then
 * {@link #send(String)}/{@link #send(byte[])} and receive through {@link #onMessage(Consumer)}.
 * All methods are thread-safe.
 */
public final class RtcDataChannel implements AutoCloseable {
    /**
     * Largest message libwebrtc accepts (it advertises {@code a=max-message-size:262144}). A larger
     * send is not rejected by the native side: it silently closes the channel, so it is refused here.
     */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024;

    private static final Logger log = LoggerFactory.getLogger(RtcDataChannel.class);
    /** Limits on messages kept while no listener is registered; beyond them messages are dropped. */
    private static final int MAX_PENDING_MESSAGES = 1024;
    private static final long MAX_PENDING_BYTES = 16L * 1024 * 1024;
    /**
     * Longest sleep between checks of the send buffer. webrtc-java 0.14.0 was never seen to call
     * onBufferedAmountChange, so waiters re-check on their own; the callback only wakes them sooner.
     */
    private static final long BUFFER_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** At most this many arrays given back through {@link #recycle(byte[])} wait to be reused (4 MiB of 64 KiB chunks). */
    private static final int RECYCLED_ARRAYS = 64;

    private final RTCDataChannel channel;
    private final String label;
    /** For messages and logs, e.g. "data channel 'chat' of rtc-1-peer-2". */
    private final String name;
    private final Dispatcher dispatcher;
    /** Runs state checks and message deliveries in the order the native side reported them. */
    private final SerialExecutor events;
    /** Completed directly; handed out only through {@link Dispatcher#async}. */
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /**
     * Held around every call into the native channel, so none can run during or after dispose
     * (the native handle is freed then). Native callbacks never take it, which is what keeps a
     * native call made under it from deadlocking against a callback.
     */
    private final Object nativeLock = new Object();
    private boolean disposed; // guarded by nativeLock

    /** Senders in awaitBufferedBelow wait here; notified when the buffered amount or state changes. */
    private final Object bufferWaiters = new Object();

    /**
     * Whether the native channel last reported OPEN. Sends trust it instead of asking the native
     * channel each time: that question is a blocking hop to libwebrtc's thread, which cost the
     * file sender a third of its send time. A send in the moment between the native channel closing
     * and this flag clearing is dropped by libwebrtc; the peers' acknowledgements notice that loss.
     */
    private volatile boolean open;

    /**
     * Arrays of received binary messages given back by listeners, reused for the next message of the
     * same size: a bulk receiver then allocates (zeroes, and page-faults in) no new 64 KiB array per message.
     */
    private final ArrayBlockingQueue<byte[]> recycled = new ArrayBlockingQueue<>(RECYCLED_ARRAYS);

    // Touched only by tasks on `events`.
    private RTCDataChannelState lastState;
    private Consumer<ChannelMessage> listener;
    private final Queue<ChannelMessage> pending = new ArrayDeque<>();
    private long pendingBytes;

    /** Wraps {@code channel} and starts observing it; safe to call on the native callback thread. */
    RtcDataChannel(RTCDataChannel channel, String peerName, Dispatcher dispatcher) {
        this.channel = channel;
        this.label = channel.getLabel();
        this.name = "data channel '" + label + "' of " + peerName;
        this.dispatcher = dispatcher;
        this.events = dispatcher.serial(name);
        channel.registerObserver(new NativeObserver());
        // The channel may have opened before the observer was registered; look once.
        events.execute(this::checkState);
    }

    public String label() {
        return label;
    }

    /** Completes when the channel can send; fails if it closes before that. */
    public CompletableFuture<Void> opened() {
        return dispatcher.async(opened);
    }

    /** Completes when the channel has closed, from either side. */
    public CompletableFuture<Void> closed() {
        return dispatcher.async(closed);
    }

    /** Sends {@code text} as a text message (UTF-8 on the wire). */
    public void send(String text) {
        Objects.requireNonNull(text, "text");
        send(text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** Sends {@code data} as one binary message. */
    public void send(byte[] data) {
        Objects.requireNonNull(data, "data");
        send(data, true);
    }

    /**
     * Sends the bytes from {@code data}'s position to its limit as one binary message. A direct
     * buffer that holds exactly the message (position 0, limit at capacity) goes to the native side
     * without a copy into the Java heap first; anything else is copied.
     */
    public void send(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        if (!(data.isDirect() && data.position() == 0 && data.limit() == data.capacity())) {
            byte[] copy = new byte[data.remaining()];
            data.duplicate().get(copy);
            send(copy, true);
            return;
        }
        sendNative(data, true);
    }

    /**
     * Gives back the array of a received binary message ({@link ChannelMessage#data()}) once the
     * listener is done with it, so the next message of the same size can reuse it. Optional: for bulk
     * receivers. The caller must not touch the array afterwards.
     */
    public void recycle(byte[] data) {
        recycled.offer(Objects.requireNonNull(data, "data"));
    }

    /**
     * Bytes queued for sending but not yet handed to the network. libwebrtc closes the channel
     * when this would exceed 16 MiB; bulk senders keep it bounded with
     * {@link #awaitBufferedBelow(long, Duration)}.
     */
    public long bufferedAmount() {
        synchronized (nativeLock) {
            return disposed ? 0 : channel.getBufferedAmount();
        }
    }

    /**
     * Blocks until at most {@code bytes} are waiting in the send buffer.
     *
     * @throws TimeoutException      if that does not happen within {@code limit}
     * @throws IllegalStateException if the channel closes meanwhile
     */
    public void awaitBufferedBelow(long bytes, Duration limit) throws InterruptedException, TimeoutException {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
        }
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (closed.isDone()) {
                throw new IllegalStateException(name + " closed while waiting for its send buffer to drain");
            }
            long amount = bufferedAmount();
            if (amount <= bytes) {
                return;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new TimeoutException(name + " still had " + amount
                        + " bytes queued after waiting " + limit.toMillis() + " ms for it to drop to "
                        + bytes + " or less");
            }
            synchronized (bufferWaiters) {
                TimeUnit.NANOSECONDS.timedWait(bufferWaiters, Math.min(remaining, BUFFER_RECHECK_NANOS));
            }
        }
    }

    /**
     * Sets the receiver of incoming messages, replacing any earlier one. Messages that arrived
     * before the first listener was set (up to 1024 messages / 16 MiB) are delivered to it first,
     * in order. The listener runs on a worker thread, one message at a time; while it runs, later
     * messages of this channel wait. Exceptions it throws are logged and skipped.
     */
    public void onMessage(Consumer<ChannelMessage> newListener) {
        Objects.requireNonNull(newListener, "listener");
        events.execute(() -> {
            listener = newListener;
            while (!pending.isEmpty()) {
                deliver(pending.poll());
            }
            pendingBytes = 0;
        });
    }

    /**
     * Closes the channel so that the other side receives every message sent before: the native close
     * resets the SCTP stream only after its queued data is delivered, and the channel reports CLOSED
     * once the other side has agreed. Waits up to {@code limit} for that, then frees the channel as
     * {@link #close()} does. Use it before tearing the connection down.
     */
    public void closeGracefully(Duration limit) {
        synchronized (nativeLock) {
            if (disposed) {
                return;
            }
            try {
                channel.close();
            } catch (RuntimeException | Error e) {
                log.warn("{}: error while closing", name, e);
            }
        }
        try {
            closed.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            log.debug("{} did not report closed within {} ms; freeing it anyway", name, limit.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    /** Closes the channel (the other side sees {@link #closed()} complete) and frees it. Idempotent. */
    @Override
    public void close() {
        synchronized (nativeLock) {
            if (disposed) {
                return;
            }
            disposed = true;
            try {
                channel.unregisterObserver();
                channel.close();
                channel.dispose();
            } catch (RuntimeException | Error e) {
                // webrtc-java reports some native problems as java.lang.Error; closing must not throw.
                log.warn("{}: error while closing", name, e);
            }
        }
        log.debug("{} closed locally", name);
        markClosed();
    }

    /**
     * Marks the channel closed without calling into WebRTC: for a channel whose peer connection is already
     * closed, which freed its native side. Idempotent.
     */
    void forget() {
        synchronized (nativeLock) {
            if (disposed) {
                return;
            }
            disposed = true;
        }
        markClosed();
    }

    @Override
    public String toString() {
        return name;
    }

    private void send(byte[] data, boolean binary) {
        // A heap buffer: the native side copies it before returning.
        sendNative(ByteBuffer.wrap(data), binary);
    }

    /** Sends {@code data}: a heap buffer's whole array, or a direct buffer's whole capacity (webrtc-java's rule). */
    private void sendNative(ByteBuffer data, boolean binary) {
        int length = data.isDirect() ? data.capacity() : data.array().length;
        if (length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message of " + length + " bytes is larger than the "
                    + MAX_MESSAGE_BYTES + "-byte limit of " + name + "; split it");
        }
        synchronized (nativeLock) {
            if (disposed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (!open) {
                // Not known to be open: ask the native channel, for an exact message.
                RTCDataChannelState state = channel.getState();
                if (state != RTCDataChannelState.OPEN) {
                    throw new IllegalStateException(name + " is not open (state " + state
                            + "); wait for opened() before sending");
                }
            }
            try {
                // The native side copies the bytes before returning (both buffer kinds).
                channel.send(new RTCDataChannelBuffer(data, binary));
            } catch (Exception e) {
                throw new RtcException("sending " + length + " bytes on " + name + " failed: "
                        + e.getMessage(), e);
            }
        }
    }

    /** On {@code events}: asks the native channel for its state and updates the futures. */
    private void checkState() {
        RTCDataChannelState state;
        synchronized (nativeLock) {
            if (disposed) {
                return;
            }
            state = channel.getState();
        }
        if (state == lastState) {
            return;
        }
        lastState = state;
        open = state == RTCDataChannelState.OPEN;
        log.debug("{} is {}", name, state);
        switch (state) {
            case OPEN -> opened.complete(null);
            case CLOSED -> markClosed();
            default -> { }
        }
        wakeBufferWaiters();
    }

    private void markClosed() {
        open = false;
        opened.completeExceptionally(new RtcException(name + " closed before it opened"));
        closed.complete(null);
        wakeBufferWaiters();
    }

    private void wakeBufferWaiters() {
        synchronized (bufferWaiters) {
            bufferWaiters.notifyAll();
        }
    }

    /** On {@code events}: hands a message to the listener, or keeps it until there is one. */
    private void deliver(ChannelMessage message) {
        if (listener == null) {
            if (pending.size() >= MAX_PENDING_MESSAGES || pendingBytes + message.data().length > MAX_PENDING_BYTES) {
                log.warn("{}: dropping {} because {} messages ({} bytes) already wait for a listener; "
                        + "call onMessage() sooner", name, message, pending.size(), pendingBytes);
                return;
            }
            pending.add(message);
            pendingBytes += message.data().length;
            return;
        }
        try {
            listener.accept(message);
        } catch (RuntimeException e) {
            log.warn("{}: message listener failed on {}", name, message, e);
        }
    }

    /**
     * An array of exactly {@code length} bytes: the next recycled one if it has that size. One of another
     * size is dropped, so that an odd one (a file's short last chunk) cannot stay at the head of the queue
     * and keep every later array from being reused.
     */
    private byte[] arrayFor(int length) {
        byte[] reusable = recycled.poll();
        return reusable != null && reusable.length == length ? reusable : new byte[length];
    }

    /** Runs on the native thread: records what happened and returns at once. */
    private final class NativeObserver implements RTCDataChannelObserver {
        @Override
        public void onStateChange() {
            events.execute(RtcDataChannel.this::checkState);
        }

        @Override
        public void onMessage(RTCDataChannelBuffer buffer) {
            // The buffer points into native memory that is freed when this callback returns.
            byte[] copy = arrayFor(buffer.data.remaining());
            buffer.data.duplicate().get(copy);
            ChannelMessage message = new ChannelMessage(copy, buffer.binary);
            events.execute(() -> deliver(message));
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {
            wakeBufferWaiters();
        }
    }
}
