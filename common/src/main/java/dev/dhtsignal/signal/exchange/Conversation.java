package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.ConnectionEnd;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.transfer.IncomingFiles;
import dev.dhtsignal.transfer.LineSplitter;
import dev.dhtsignal.transfer.PeerSession;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat after the greetings, with either kind of peer. With a peer that speaks the {@code peer}
 * channel protocol, the end of our input is a half-close: we go on receiving until the other side has
 * finished too, and every line is acknowledged. With the original peers, lines go on the {@code chat}
 * channel as they always did, and the end of our input closes it (after what was sent is delivered).
 */
public final class Conversation {
    private static final Logger log = LoggerFactory.getLogger(Conversation.class);
    /** How often {@link #await} looks at the channels' state; short, so an end is noticed at once. */
    private static final Duration TICK = Duration.ofMillis(20);
    /** Lines to the original peers: one message each, split when longer than a message may be. */
    private static final int PLAIN_PART_CHARS = RtcDataChannel.MAX_MESSAGE_BYTES / 4;
    private static final long PLAIN_HIGH_WATER = 4L * 1024 * 1024;
    private static final long PLAIN_LOW_WATER = 1024 * 1024;

    /** Why a conversation ended. */
    public enum End {
        /** Both sides finished (or, with the original peers, our input ended): nothing was lost. */
        FINISHED,
        /** The other peer closed the channel before both had finished. */
        PEER_LEFT,
        /** The connection failed or dropped without the channel being closed. */
        CONNECTION_LOST,
        /** Our side's work was done (see {@link #await(CompletableFuture, BooleanSupplier)}); the other's may go on. */
        DONE
    }

    private final Connection connection;
    private final PeerSession session;
    private final CompletableFuture<Void> plainInputEnded = new CompletableFuture<>();
    private final AtomicLong plainNotSent = new AtomicLong();
    private Thread plainReceiver;
    private volatile boolean inputEnded;

    private Conversation(Connection connection) {
        this.connection = connection;
        this.session = connection.session();
    }

    /**
     * Starts receiving: each chat line goes to {@code received}, each offered file to {@code incoming}
     * (the original peers send no files).
     */
    public static Conversation start(Connection connection, Consumer<String> received, IncomingFiles incoming) {
        Conversation c = new Conversation(connection);
        if (c.session != null) {
            c.session.begin(received, incoming);
        } else {
            c.startPlainReceiver(received);
        }
        return c;
    }

    public Connection connection() {
        return connection;
    }

    /** The {@code peer} channel session, for files; empty with the original peers. */
    public Optional<PeerSession> session() {
        return Optional.ofNullable(session);
    }

    /** Sends one line; what cannot be sent is counted in {@link #undeliveredLines()}. */
    public void send(String line) {
        if (session != null) {
            session.sendLine(line);
            return;
        }
        RtcDataChannel channel = connection.channel();
        try {
            for (String part : LineSplitter.split(line, PLAIN_PART_CHARS)) {
                if (channel.bufferedAmount() > PLAIN_HIGH_WATER) {
                    channel.awaitBufferedBelow(PLAIN_LOW_WATER, Duration.ofSeconds(60));
                }
                channel.send(part);
            }
        } catch (RuntimeException | TimeoutException e) {
            plainNotSent.incrementAndGet();
            log.debug("line not sent: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            plainNotSent.incrementAndGet();
        }
    }

    /** Whether we have ended our side. */
    public boolean inputEnded() {
        return inputEnded;
    }

    /** We have nothing more to send. */
    public void endInput() {
        inputEnded = true;
        if (session != null) {
            session.end();
        } else {
            plainInputEnded.complete(null);
        }
    }

    /** Sends every line of {@code input} on a thread of its own, then {@link #endInput()}. */
    public void sendLinesOf(BufferedReader input) {
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = input.readLine()) != null; ) {
                    send(line);
                }
            } catch (IOException e) {
                log.debug("reading input: {}", e.toString());
            } finally {
                endInput();
            }
        }, "chat-input");
        reader.setDaemon(true);
        reader.start();
    }

    /** Lines of ours the other side has not confirmed (the original peers confirm nothing: those not sent). */
    public long undeliveredLines() {
        return session != null ? session.unconfirmedLines() : plainNotSent.get();
    }

    /** Blocks until the conversation ends; the caller then closes the connection. */
    public End await() {
        return await(new CompletableFuture<>(), () -> false);
    }

    /**
     * Blocks until the conversation ends, or until {@code done} completes while nothing is {@code busy}: a
     * side whose own work is over leaves then, without waiting for the other side to end.
     */
    public End await(CompletableFuture<?> done, BooleanSupplier busy) {
        CompletableFuture<Void> chatClosed = connection.channel().closed();
        CompletableFuture<Void> peerClosed = session == null ? new CompletableFuture<>() : session.channel().closed();
        CompletableFuture<Void> finished = session == null ? plainInputEnded : session.finished();
        CompletableFuture<ConnectionEnd> lost = connection.peer().ended();
        try {
            while (true) {
                if (finished.isDone()) {
                    return End.FINISHED;
                }
                if (done.isDone() && !busy.getAsBoolean()) {
                    return End.DONE;
                }
                if (chatClosed.isDone() || peerClosed.isDone()) {
                    awaitPlainReceiver();
                    return End.PEER_LEFT;
                }
                if (lost.isDone()) {
                    awaitPlainReceiver();
                    return End.CONNECTION_LOST;
                }
                Thread.sleep(TICK.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return End.CONNECTION_LOST;
        }
    }

    /** With the original peers: lets what had arrived be printed before the end is reported. */
    private void awaitPlainReceiver() throws InterruptedException {
        if (plainReceiver != null) {
            plainReceiver.join(2_000);
        }
    }

    /** With the original peers: prints what arrives on {@code chat} until it closes. */
    private void startPlainReceiver(Consumer<String> received) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Optional<ChannelMessage> m = connection.inbox().poll(TICK);
                    if (m.isPresent()) {
                        received.accept(m.get().text());
                    } else if (connection.channel().closed().isDone() || connection.peer().ended().isDone()) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "chat-receive");
        t.setDaemon(true);
        t.start();
        plainReceiver = t;
    }
}
