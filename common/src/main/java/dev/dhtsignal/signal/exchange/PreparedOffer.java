package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import java.util.List;
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
 * @param serverUrls the URLs of the STUN and TURN servers it was made with: an offer made before the node's
 *                   ICE servers came (a reply lost and asked again) is made anew if they came by the time it
 *                   is to be published
 */
public record PreparedOffer(RtcPeer peer, RtcDataChannel channel, Inbox inbox, CompletableFuture<SessionDescription> offer,
                            List<List<String>> serverUrls) {

    /** Creates the connection and its channel, and starts making the offer. */
    public static PreparedOffer start(RtcFactory rtc, SignalingOptions options) {
        RtcConfig config = options.rtcConfig();
        RtcPeer peer = rtc.createPeer(config);
        try {
            RtcDataChannel channel = peer.createDataChannel(options.label());
            return new PreparedOffer(peer, channel, Inbox.of(channel), peer.createOffer(), urls(config));
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    /** Whether a connection made now would get other STUN or TURN servers than this one was made with. */
    public boolean serversChanged(SignalingOptions options) {
        return !urls(options.rtcConfig()).equals(serverUrls);
    }

    private static List<List<String>> urls(RtcConfig config) {
        return config.iceServers().stream().map(IceServer::urls).toList();
    }
}
