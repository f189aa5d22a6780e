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
 * @param iceGatheringTimeout the longest {@link RtcPeer#createOffer()} and
 *                            {@link RtcPeer#acceptOffer(SessionDescription)} wait for candidate
 *                            gathering to finish, for TURN servers still setting up a relay (STUN servers
 *                            get {@link #STUN_ANSWER_LIMIT}); a server that has not answered by then is named
 *                            in a warning and the description goes out with the candidates gathered so far
 * @param withoutRelayAdvice  what a failure to connect advises when no relay was there (for example which
 *                            server to ask for TURN); null: the general advice to add a TURN server
 */
public record RtcConfig(List<IceServer> iceServers, IceTransport iceTransport, Duration iceGatheringTimeout,
                        String withoutRelayAdvice) {
    /** STUN and TURN servers answer within a few round trips; one that has not after this is taken as gone. */
    public static final Duration DEFAULT_ICE_GATHERING_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long gathering waits for a STUN server that has given nothing, when no TURN server is still
     * setting up a relay: a binding is one round trip, so one silent for this long is not there (a public
     * STUN server seen from a LAN without Internet); see {@link GatheringWait}.
     */
    public static final Duration STUN_ANSWER_LIMIT = Duration.ofSeconds(1);

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

    /** The general advice when no path works. */
    public RtcConfig(List<IceServer> iceServers, IceTransport iceTransport, Duration iceGatheringTimeout) {
        this(iceServers, iceTransport, iceGatheringTimeout, null);
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
