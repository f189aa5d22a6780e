package dev.dhtsignal.signal;

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

    /** Closes at once, without waiting for what is queued: for a program that is being stopped. */
    public void leave() {
        if (session != null) {
            session.channel().close();
        }
        channel.close();
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
