package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import java.util.concurrent.CompletableFuture;

/**
 * An offerer's peer connection with its data channel and its offer under way. Making it needs WebRTC
 * only, not the DHT, so a program starts it as soon as WebRTC is loaded: gathering the offer's ICE
 * candidates (about 100 ms, most of it libwebrtc stepping through its allocation phases) then overlaps
 * joining the DHT instead of following it.
 *
 * @param peer the connection; closed with the factory if the program ends before using it
 * @param channel the data channel the offer negotiates
 * @param inbox the channel's messages, received from the moment the channel exists
 * @param offer the offer with every candidate, once gathering is complete
 */
public record PreparedOffer(RtcPeer peer, RtcDataChannel channel, Inbox inbox, CompletableFuture<SessionDescription> offer) {

    /** Creates the connection and its channel, and starts making the offer. */
    public static PreparedOffer start(RtcFactory rtc, SignalingOptions options) {
        RtcPeer peer = rtc.createPeer(options.rtcConfig());
        try {
            RtcDataChannel channel = peer.createDataChannel(options.label());
            return new PreparedOffer(peer, channel, Inbox.of(channel), peer.createOffer());
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }
}
