package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.transfer.PeerSession;
import java.time.Duration;

/**
 * An open data channel to the other peer after the greetings were exchanged, with the peer connection
 * under it, and the {@code peer} channel session when the other side speaks that protocol (null with
 * the original peers). Closing it closes the channels gracefully (messages already sent are delivered
 * first) and then the connection.
 */
public record Connection(RtcPeer peer, RtcDataChannel channel, Inbox inbox, PeerSession session) implements AutoCloseable {
    /** How long a graceful channel close may take before the connection is torn down anyway. */
    static final Duration CLOSE_LIMIT = Duration.ofSeconds(5);
    /** The same when leaving: short, since the process is on its way out (see StopSignal's limit). */
    static final Duration LEAVE_LIMIT = Duration.ofMillis(1_000);

    /** A connection to a peer that speaks only the original chat (no {@code peer} channel). */
    public Connection(RtcPeer peer, RtcDataChannel channel, Inbox inbox) {
        this(peer, channel, inbox, null);
    }

    /**
     * For a program that is being stopped: closes the channels, waiting only briefly for the other side
     * to agree (so that it hears "closed", not a lost connection), then the connection.
     */
    public void leave() {
        if (session != null) {
            session.channel().closeGracefully(LEAVE_LIMIT);
        }
        channel.closeGracefully(LEAVE_LIMIT);
        peer.close();
    }

    @Override
    public void close() {
        if (session != null) {
            session.channel().closeGracefully(CLOSE_LIMIT);
        }
        channel.closeGracefully(CLOSE_LIMIT);
        peer.close();
    }
}
