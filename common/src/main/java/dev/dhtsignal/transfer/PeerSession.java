package dev.dhtsignal.transfer;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcPeer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of the {@code peer} channel protocol: sends chat lines (split when long) and file messages
 * with flow control, acknowledges the lines it receives, announces the end of its input, and knows when
 * both sides are finished: both ended, every announced line received and every line of ours
 * acknowledged. Incoming file messages go to an {@link IncomingFiles}, replies about our own files to
 * whoever listens with {@link #onFileReply}.
 *
 * <p>What the other side may make us hold is bounded: a line assembled from parts at most
 * {@link #MAX_LINE_CHARS}, one text message at most {@link #MAX_CONTROL_BYTES}, messages kept before
 * {@link #begin} at most {@link #MAX_EARLY_BYTES}. Past a bound the session is closed ({@link #close}):
 * the other side gets a {@code close} message saying why, and then the channel closes.
 */
public final class PeerSession {
    /** The channel's label and its negotiated id: both sides create it themselves. */
    public static final String LABEL = "peer";
    public static final int CHANNEL_ID = 1000;

    private static final Logger log = LoggerFactory.getLogger(PeerSession.class);
    private static final long ACK_DELAY_MILLIS = 20;

    /** Longest line put together from {@code "more":true} parts, in UTF-16 chars (see {@link LineAssembler}). */
    public static final int MAX_LINE_CHARS = LineAssembler.MAX_LINE_CHARS;
    /** Longest text message (a control message or a line part), in bytes of UTF-8; senders keep to 64 KiB. */
    public static final int MAX_CONTROL_BYTES = 64 * 1024;
    /** Most bytes kept for {@link #begin}; only the moment between connecting and the greetings fills it. */
    static final long MAX_EARLY_BYTES = 16L * 1024 * 1024;
    /** How long closing the channel after a {@code close} message may take. */
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(5);
    /** Closes channels after a {@code close} (never on the channel's own message thread, which the close waits on). */
    private static final ExecutorService CLOSER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "peer-close");
        t.setDaemon(true);
        return t;
    });

    /** Sends the delayed acknowledgements of every session; one daemon thread for the process. */
    private static final ScheduledExecutorService ACKS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "peer-acks");
        t.setDaemon(true);
        return t;
    });

    private final RtcDataChannel channel;
    /** Completes when the peer connection under the channel has ended (closed, failed). */
    private final CompletableFuture<?> connectionEnded;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<Void> peerEnded = new CompletableFuture<>();
    private final CompletableFuture<Void> ourSideDone = new CompletableFuture<>();

    // Set by begin(); until then messages wait in `early`. Guarded by `this` until begun.
    private Consumer<String> received;
    private IncomingFiles incoming;
    private boolean begun;
    private final List<ChannelMessage> early = new ArrayList<>();
    private long earlyBytes;

    /** Why we closed the session, once we have; then nothing more that arrives is looked at. */
    private volatile Closing ourClosing;
    /** The reason the other side gave in its {@code close} message, as it sent it (show with {@link PeerText}). */
    private volatile String theirClosing;
    private volatile long lastActivityNanos = System.nanoTime();

    private final AtomicLong linesSent = new AtomicLong();
    private final AtomicLong linesFailed = new AtomicLong();
    private volatile long linesAcked;
    private volatile boolean endSent;
    private final AtomicLong linesReceived = new AtomicLong();
    private volatile long lastAckSent;
    private volatile long peerEndLines = -1;
    private final AtomicBoolean ackScheduled = new AtomicBoolean();
    private volatile Consumer<PeerMessage> fileReplies = m -> log.warn("a reply about file {} that we never offered", m.id());
    /** Parts of a long line received so far; touched only by the channel's message thread. */
    private final LineAssembler partial = new LineAssembler();
    private final AtomicLong ignored = new AtomicLong();
    private volatile Consumer<String> textReceived = line -> received.accept(line);

    private final SendQueue queue;

    private PeerSession(RtcDataChannel channel, CompletableFuture<?> connectionEnded) {
        this.channel = channel;
        this.connectionEnded = connectionEnded;
        this.queue = new SendQueue(channel, connectionEnded);
    }

    /**
     * Opens the {@code peer} channel on {@code peer} and starts keeping what arrives on it, so that
     * nothing the other side sends right after the greetings is lost before {@link #begin} is called.
     */
    public static PeerSession open(RtcPeer peer) {
        PeerSession session = new PeerSession(peer.createNegotiatedDataChannel(LABEL, CHANNEL_ID), peer.ended());
        session.channel.onMessage(session::onMessage);
        return session;
    }

    /**
     * Starts handling messages: those kept so far first, in order.
     *
     * @param received gets each complete chat line, on the channel's message thread, in order
     * @param incoming decides about, and receives, the files the other side offers
     */
    public synchronized void begin(Consumer<String> received, IncomingFiles incoming) {
        this.received = received;
        this.incoming = incoming;
        begun = true;
        early.forEach(this::handle);
        early.clear();
        earlyBytes = 0;
    }

    /**
     * Why we closed a session on purpose.
     *
     * @param text       what to say locally: what the other side did ("sent a line over 1 MiB"), or our reason
     * @param theirDoing whether {@code text} says what the other side did, to be put after its name
     */
    public record Closing(String text, boolean theirDoing) {
        /** The reason as one line for our side, e.g. "the offerer sent a line over 1 MiB". */
        public String toldAbout(String other) {
            return theirDoing ? "the " + other + " " + text : text;
        }
    }

    /**
     * Closes the session on purpose: tells the other side why ({@code {"type":"close","reason":...}}),
     * then closes the channel, which ends the conversation. Later messages from the other side are dropped
     * unread. The first reason counts.
     *
     * @param why         what our side says about it (see {@link #closedByUs})
     * @param theirReason what the other side is told, e.g. "your line was over 1 MiB (the limit)"
     */
    public void close(Closing why, String theirReason) {
        synchronized (this) {
            if (ourClosing != null) {
                return;
            }
            ourClosing = why;
        }
        log.debug("closing the session: {}", why.text());
        CLOSER.execute(() -> {
            trySend(PeerMessage.close(theirReason));
            // Queued data goes out before the channel closes, so the reason arrives first.
            channel.closeGracefully(CLOSE_LIMIT);
        });
    }

    /** Why we closed the session, when we did. */
    public Optional<Closing> closedByUs() {
        return Optional.ofNullable(ourClosing);
    }

    /** The reason the other side gave when it closed the session, as it sent it; show it with {@link PeerText}. */
    public Optional<String> closedByPeer() {
        return Optional.ofNullable(theirClosing);
    }

    /** How long since the last message either way (received, or sent by us). */
    public Duration idle() {
        return Duration.ofNanos(System.nanoTime() - lastActivityNanos);
    }

    /** The other side broke a limit: close, telling it which. */
    private void refuse(String what) {
        close(new Closing(what, true), "you " + what);
    }

    public RtcDataChannel channel() {
        return channel;
    }

    public IncomingFiles incoming() {
        return incoming;
    }

    /** Completes when both sides have finished; then closing loses nothing. */
    public CompletableFuture<Void> finished() {
        return finished;
    }

    /**
     * Completes when our side is done: our end sent and every line of ours acknowledged; what the other side
     * still sends is not waited for (a side with nothing more to do may leave then, see the README).
     */
    public CompletableFuture<Void> ourSideDone() {
        return ourSideDone;
    }

    /** Completes when the other side has said it sends nothing more (its half-close). */
    public CompletableFuture<Void> peerEnded() {
        return peerEnded;
    }

    /**
     * Receives a text sent alone ({@code --text}), instead of the chat line consumer; set before
     * {@link #begin}.
     */
    public void onText(Consumer<String> listener) {
        textReceived = listener;
    }

    /** Receives replies about the files we offer ({@code file-accept}, {@code file-ok}, ...). */
    public void onFileReply(Consumer<PeerMessage> listener) {
        fileReplies = listener;
    }

    /**
     * Sends one chat line, in parts when it is long. Counted as not delivered when the channel is closed
     * or the send fails.
     */
    public void sendLine(String line) {
        sendLine(line, false);
    }

    /**
     * Sends {@code text} as the whole of what we say ({@code --text}): a line marked {@code "alone"}, which
     * the other side prints by itself, with no chat after it. A peer that does not know the mark shows it
     * as a chat line.
     */
    public void sendText(String text) {
        sendLine(text, true);
    }

    private void sendLine(String line, boolean alone) {
        var parts = LineSplitter.split(line, LineSplitter.MAX_PART_CHARS);
        PeerMessage.Extras mark = alone ? new PeerMessage.Extras(null, null, null, null, null, null, null, true)
                : PeerMessage.Extras.NONE;
        try {
            for (int i = 0; i < parts.size(); i++) {
                send(PeerMessage.line(parts.get(i), i < parts.size() - 1).with(mark));
            }
            linesSent.incrementAndGet();
        } catch (RuntimeException e) {
            linesFailed.incrementAndGet();
            log.debug("line not sent: {}", e.getMessage());
        }
    }

    /** Our half-close: nothing more will be sent but acknowledgements and replies about incoming files. */
    public void end() {
        if (endSent) {
            return;
        }
        if (connectionEnded.isDone()) {
            // The channel may still take the message into its buffer, but it can never arrive: the other
            // side does not finish with us, and the conversation ends as lost, not as finished.
            log.debug("end not sent: the connection has ended");
            return;
        }
        try {
            send(PeerMessage.end(linesSent.get()));
            endSent = true;
            checkFinished();
        } catch (RuntimeException e) {
            log.debug("end not sent: {}", e.getMessage());
        }
    }

    /** Lines of ours the other side has not confirmed: not sent at all, or sent and not yet acknowledged. */
    public long unconfirmedLines() {
        return linesFailed.get() + Math.max(0, linesSent.get() - linesAcked);
    }

    /** Sends a control message, waiting while the send buffer is full. */
    public void send(PeerMessage message) {
        lastActivityNanos = System.nanoTime();
        queue.send(message.toJson());
    }

    /** Sends one chunk of the file we are sending, waiting while the send buffer is full. */
    public void sendChunk(ByteBuffer data) {
        lastActivityNanos = System.nanoTime();
        queue.sendChunk(data);
    }

    /** Sends a message if the channel still takes it; for replies that matter only while it is open. */
    void trySend(PeerMessage message) {
        try {
            send(message);
        } catch (RuntimeException e) {
            log.debug("{} not sent: {}", message.type(), e.getMessage());
        }
    }

    /** On the channel's message thread. */
    private void onMessage(ChannelMessage message) {
        lastActivityNanos = System.nanoTime();
        synchronized (this) {
            if (!begun) {
                earlyBytes += message.data().length;
                if (earlyBytes > MAX_EARLY_BYTES) {
                    early.clear();
                    refuse("sent more than " + MAX_EARLY_BYTES / (1024 * 1024) + " MiB before the greetings were done");
                } else if (ourClosing == null) {
                    early.add(message);
                }
                return;
            }
        }
        handle(message);
    }

    private void handle(ChannelMessage message) {
        if (ourClosing != null) {
            return;  // closed by us: whatever still comes is not looked at
        }
        if (message.binary()) {
            incoming.onChunk(message.data(), this::trySend);
            // Written and hashed, and not kept: the channel may reuse the array for the next chunk.
            channel.recycle(message.data());
            return;
        }
        if (message.data().length > MAX_CONTROL_BYTES) {
            refuse("sent a message over " + MAX_CONTROL_BYTES / 1024 + " KiB");
            return;
        }
        PeerMessage m;
        try {
            m = PeerMessage.parse(message.text());
        } catch (IllegalArgumentException e) {
            long count = ignored.incrementAndGet();
            // A warning for the first and then at 10, 100, 1000...: a flood of junk is no flood of lines.
            if (Long.toString(count).matches("10*")) {
                log.warn("ignored a message on '{}' that is {} ({} so far)", channel.label(), PeerText.shown(e.getMessage()),
                        count);
            }
            return;
        }
        switch (m.type()) {
            case PeerMessage.LINE -> onLine(m);
            case PeerMessage.ACK -> {
                if (m.lines() != null) {
                    linesAcked = Math.max(linesAcked, m.lines());
                    checkFinished();
                }
            }
            case PeerMessage.END -> {
                peerEndLines = m.lines() == null ? 0 : m.lines();
                peerEnded.complete(null);
                checkFinished();
            }
            case PeerMessage.FILE -> incoming.onOffer(m, this::trySend);
            case PeerMessage.FILE_END -> incoming.onEnd(m, this::trySend);
            case PeerMessage.FILE_CANCEL -> incoming.onCancel(m);
            case PeerMessage.CLOSE -> theirClosing = m.reason() == null ? "" : m.reason();
            case PeerMessage.FILE_ACCEPT, PeerMessage.FILE_REFUSE, PeerMessage.FILE_OK, PeerMessage.FILE_FAILED ->
                    fileReplies.accept(m);
            default -> log.debug("ignored a '{}' message (a later version's, perhaps)", PeerText.shown(m.type()));
        }
    }

    private void onLine(PeerMessage m) {
        String line;
        try {
            line = partial.add(m.text() == null ? "" : m.text(), m.more());
        } catch (LineAssembler.TooLong e) {
            refuse("sent " + e.getMessage());
            return;
        }
        if (line == null) {
            return;  // more parts to come
        }
        if (Boolean.TRUE.equals(m.extras().alone())) {
            textReceived.accept(line);
        } else {
            received.accept(line);
        }
        linesReceived.incrementAndGet();
        if (ackScheduled.compareAndSet(false, true)) {
            // One acknowledgement per batch: a burst of lines costs one small message, not one each.
            ACKS.schedule(() -> {
                ackScheduled.set(false);
                sendAck();
            }, ACK_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
        checkFinished();
    }

    private void sendAck() {
        long count = linesReceived.get();
        trySend(PeerMessage.ack(count));
        lastAckSent = Math.max(lastAckSent, count);
    }

    private void checkFinished() {
        if (endSent && linesAcked >= linesSent.get() && linesFailed.get() == 0) {
            ourSideDone.complete(null);
        }
        long theirs = peerEndLines;
        if (endSent && theirs >= 0 && linesReceived.get() >= theirs && linesAcked >= linesSent.get()
                && linesFailed.get() == 0) {
            // The other side finishes only with our acknowledgement of its last line: queue it before
            // we may close, so that the graceful close delivers it.
            if (lastAckSent < linesReceived.get()) {
                sendAck();
            }
            finished.complete(null);
        }
    }
}
