package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import java.util.Objects;

/**
 * An SDP offer or answer as it travels between the two peers.
 *
 * @param type {@code "offer"} or {@code "answer"} (the spellings of the W3C API)
 * @param sdp  the SDP text; descriptions made by {@link RtcPeer} already carry every ICE
 *             candidate, so nothing else needs to be exchanged
 */
public record SessionDescription(String type, String sdp) {
    public static final String OFFER = "offer";
    public static final String ANSWER = "answer";

    public SessionDescription {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sdp, "sdp");
        if (!type.equals(OFFER) && !type.equals(ANSWER)) {
            throw new IllegalArgumentException(
                    "session description type must be \"offer\" or \"answer\", got \"" + type + "\"");
        }
        if (sdp.isBlank()) {
            throw new IllegalArgumentException("session description (" + type + ") has an empty SDP");
        }
    }

    public static SessionDescription offer(String sdp) {
        return new SessionDescription(OFFER, sdp);
    }

    public static SessionDescription answer(String sdp) {
        return new SessionDescription(ANSWER, sdp);
    }

    public boolean isOffer() {
        return type.equals(OFFER);
    }

    /**
     * Type and size only: the SDP holds the ICE password and the DTLS fingerprint, which do not
     * belong in logs.
     */
    @Override
    public String toString() {
        return type + " (" + sdp.length() + " chars of SDP)";
    }

    RTCSessionDescription toNative() {
        return new RTCSessionDescription(isOffer() ? RTCSdpType.OFFER : RTCSdpType.ANSWER, sdp);
    }

    static SessionDescription fromNative(RTCSessionDescription description) {
        return switch (description.sdpType) {
            case OFFER -> offer(description.sdp);
            case ANSWER -> answer(description.sdp);
            // This layer never creates provisional answers or rollbacks, so seeing one is a bug.
            default -> throw new IllegalArgumentException(
                    "unsupported session description type " + description.sdpType);
        };
    }
}
