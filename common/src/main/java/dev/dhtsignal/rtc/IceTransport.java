package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCIceTransportPolicy;
import java.util.Locale;

/** Which candidates a peer may use: all of them, or only TURN relays (so the other side never learns its address). */
public enum IceTransport {
    /** Host, server-reflexive and relay candidates: the most direct path that works. */
    ALL,
    /** Relay candidates only: every packet goes through a TURN server; needs one among the ICE servers. */
    RELAY;

    /**
     * Reads {@code all} or {@code relay}, in any case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static IceTransport parse(String text) {
        for (IceTransport t : values()) {
            if (t.name().equalsIgnoreCase(text.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown ICE transport '" + text + "' (expected all or relay)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    RTCIceTransportPolicy toNative() {
        return this == RELAY ? RTCIceTransportPolicy.RELAY : RTCIceTransportPolicy.ALL;
    }
}
