package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link RtcPeer} looks for a path to the other side.
 *
 * @param iceServers          STUN/TURN servers; empty means host candidates only (same machine or LAN)
 * @param iceGatheringTimeout how long {@link RtcPeer#createOffer()} and
 *                            {@link RtcPeer#acceptOffer(SessionDescription)} wait for candidate
 *                            gathering to finish before failing
 */
public record RtcConfig(List<IceServer> iceServers, Duration iceGatheringTimeout) {
    public static final Duration DEFAULT_ICE_GATHERING_TIMEOUT = Duration.ofSeconds(10);

    public RtcConfig {
        iceServers = List.copyOf(Objects.requireNonNull(iceServers, "iceServers"));
        Objects.requireNonNull(iceGatheringTimeout, "iceGatheringTimeout");
        if (iceGatheringTimeout.isNegative() || iceGatheringTimeout.isZero()) {
            throw new IllegalArgumentException("iceGatheringTimeout must be positive, got " + iceGatheringTimeout);
        }
    }

    /** No ICE servers (host candidates only) and a 10 s gathering limit. */
    public static RtcConfig defaults() {
        return new RtcConfig(List.of(), DEFAULT_ICE_GATHERING_TIMEOUT);
    }

    RTCConfiguration toNative() {
        RTCConfiguration configuration = new RTCConfiguration();
        iceServers.forEach(server -> configuration.iceServers.add(server.toNative()));
        return configuration;
    }
}
