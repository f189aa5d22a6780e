package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcPeer;
import java.time.Duration;

/**
 * An open data channel to the other peer after the greetings were exchanged, with the peer connection
 * under it. Closing it closes the channel gracefully (messages already sent are delivered first) and
 * then the connection.
 */
public record Connection(RtcPeer peer, RtcDataChannel channel, Inbox inbox) implements AutoCloseable {
    /** How long a graceful channel close may take before the connection is torn down anyway. */
    static final Duration CLOSE_LIMIT = Duration.ofSeconds(5);

    @Override
    public void close() {
        channel.closeGracefully(CLOSE_LIMIT);
        peer.close();
    }
}
