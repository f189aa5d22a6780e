package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.ConnectionEnd;
import dev.dhtsignal.rtc.RtcDataChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat after the greetings: every line read from the input is sent, every message received is
 * printed, until the other side closes the channel, the input ends, or the connection is lost.
 */
public final class Conversation {
    private static final Logger log = LoggerFactory.getLogger(Conversation.class);
    /** How often the loop looks at the channel's state between messages; short, so closing is noticed at once. */
    private static final Duration TICK = Duration.ofMillis(20);

    /** Why a conversation ended. */
    public enum End {
        /** The other peer closed the channel. */
        CHANNEL_CLOSED,
        /** Our input ended (end of file on standard input). */
        INPUT_ENDED,
        /** The connection failed or dropped without the channel being closed. */
        CONNECTION_LOST
    }

    private Conversation() {
    }

    /**
     * Runs until it ends; the caller then closes the connection.
     *
     * @param input lines to send, or null to only receive
     * @param receivedPrefix printed before each received message, e.g. "Received message from Peer B: "
     */
    public static End run(Connection connection, BufferedReader input, Transcript out, String receivedPrefix) {
        CompletableFuture<Void> inputEnded = input == null ? new CompletableFuture<>() : pump(input, connection.channel());
        CompletableFuture<Void> closed = connection.channel().closed();
        CompletableFuture<ConnectionEnd> lost = connection.peer().ended();
        try {
            while (true) {
                Optional<ChannelMessage> m = connection.inbox().poll(TICK);
                if (m.isPresent()) {
                    out.line(receivedPrefix + m.get().text());
                    continue;
                }
                if (closed.isDone()) {
                    return End.CHANNEL_CLOSED;
                }
                if (inputEnded.isDone()) {
                    return End.INPUT_ENDED;
                }
                if (lost.isDone()) {
                    return End.CONNECTION_LOST;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return End.INPUT_ENDED;
        }
    }

    /** Sends each input line on a thread of its own; completes when the input ends. */
    private static CompletableFuture<Void> pump(BufferedReader input, RtcDataChannel channel) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = input.readLine()) != null; ) {
                    send(channel, line);
                }
            } catch (IOException e) {
                log.debug("reading input: {}", e.toString());
            } finally {
                ended.complete(null);
            }
        }, "chat-input");
        reader.setDaemon(true);
        reader.start();
        return ended;
    }

    /** Sends one line, reporting (not throwing) what cannot be sent. */
    public static void send(RtcDataChannel channel, String line) {
        try {
            channel.send(line);
        } catch (IllegalArgumentException | IllegalStateException e) {
            log.warn("not sent: {}", e.getMessage());
        }
    }
}
