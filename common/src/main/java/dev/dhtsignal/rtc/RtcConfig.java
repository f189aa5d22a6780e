package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link RtcPeer} looks for a path to the other side.
 *
 * @param iceServers          STUN/TURN servers; empty means host candidates only (same machine or LAN)
 * @param iceTransport        which candidates may be used: all, or TURN relays only
 * @param iceGatheringTimeout how long {@link RtcPeer#createOffer()} and
 *                            {@link RtcPeer#acceptOffer(SessionDescription)} wait for candidate
 *                            gathering to finish; a server that has not answered by then is named in a
 *                            warning and the description goes out with the candidates gathered so far
 */
public record RtcConfig(List<IceServer> iceServers, IceTransport iceTransport, Duration iceGatheringTimeout) {
    /** STUN and TURN servers answer within a few round trips; one that has not after this is taken as gone. */
    public static final Duration DEFAULT_ICE_GATHERING_TIMEOUT = Duration.ofSeconds(5);

    public RtcConfig {
        iceServers = List.copyOf(Objects.requireNonNull(iceServers, "iceServers"));
        Objects.requireNonNull(iceTransport, "iceTransport");
        Objects.requireNonNull(iceGatheringTimeout, "iceGatheringTimeout");
        if (iceGatheringTimeout.isNegative() || iceGatheringTimeout.isZero()) {
            throw new IllegalArgumentException("iceGatheringTimeout must be positive, got " + iceGatheringTimeout);
        }
        if (iceTransport == IceTransport.RELAY && iceServers.stream().noneMatch(IceServer::isTurn)) {
            throw new IllegalArgumentException("relay-only ICE needs a TURN server (turn:HOST:PORT,username=U,credential=P)");
        }
    }

    /** All candidate types. */
    public RtcConfig(List<IceServer> iceServers, Duration iceGatheringTimeout) {
        this(iceServers, IceTransport.ALL, iceGatheringTimeout);
    }

    /** No ICE servers (host candidates only) and a 5 s gathering limit. */
    public static RtcConfig defaults() {
        return new RtcConfig(List.of(), IceTransport.ALL, DEFAULT_ICE_GATHERING_TIMEOUT);
    }

    RTCConfiguration toNative() {
        RTCConfiguration configuration = new RTCConfiguration();
        iceServers.forEach(server -> configuration.iceServers.add(server.toNative()));
        configuration.iceTransportPolicy = iceTransport.toNative();
        return configuration;
    }
}
