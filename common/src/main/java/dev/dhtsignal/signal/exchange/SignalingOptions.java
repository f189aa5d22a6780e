package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.signal.board.Network;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one offer/answer exchange runs, whichever network it is on; immutable.
 *
 * @param slots offer slots of the session, so that several offerers can reach one {@code answerer --serve}
 * @param label the data channel's label ("chat")
 * @param greeting the first message sent over the channel
 * @param iceServers STUN/TURN servers; none: host candidates only
 * @param iceTransport which ICE candidates may be used: all, or TURN relays only
 * @param timeout how long to wait for the other peer's offer or answer to appear
 * @param connectTimeout how long the connection and the greeting exchange may take once both descriptions are set
 * @param pace how waiting on the network paces itself (pauses between looks, the limit of one put or get)
 * @param iceDefaults the STUN servers used without being given (the node's, public ones on the Mainline DHT)
 * @param iceSource where each connection gets its servers once the network is joined ({@link PeerIceServers});
 *                  null: {@code iceServers} as given
 */
public record SignalingOptions(int slots, String label, String greeting, List<IceServer> iceServers,
                               IceTransport iceTransport, Duration timeout, Duration connectTimeout, Network.Pace pace,
                               IceDefaults iceDefaults, IceServerSource iceSource) {
    public static final int DEFAULT_SLOTS = 4;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(20);

    public SignalingOptions {
        if (slots < 1 || slots > 64) {
            throw new IllegalArgumentException("slots must be in 1..64, got " + slots);
        }
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(greeting, "greeting");
        iceServers = List.copyOf(iceServers);
        Objects.requireNonNull(iceTransport, "iceTransport");
        requirePositive(timeout, "timeout");
        requirePositive(connectTimeout, "connect timeout");
        Objects.requireNonNull(pace, "pace");
        Objects.requireNonNull(iceDefaults, "iceDefaults");
        if (label.isEmpty() || label.length() > 1000) {
            throw new IllegalArgumentException("the channel label must be 1..1000 characters");
        }
    }

    /** Options with no default STUN server: only {@code iceServers}. */
    public SignalingOptions(int slots, String label, String greeting, List<IceServer> iceServers,
                            IceTransport iceTransport, Duration timeout, Duration connectTimeout, Network.Pace pace) {
        this(slots, label, greeting, iceServers, iceTransport, timeout, connectTimeout, pace, IceDefaults.NONE, null);
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }

    /** The same options with another number of slots: one, after a short code's key exchange. */
    public SignalingOptions withSlots(int n) {
        return new SignalingOptions(n, label, greeting, iceServers, iceTransport, timeout, connectTimeout, pace,
                iceDefaults, iceSource);
    }

    /** The same options with each connection's servers from {@code source}. */
    public SignalingOptions withIceSource(IceServerSource source) {
        return new SignalingOptions(slots, label, greeting, iceServers, iceTransport, timeout, connectTimeout, pace,
                iceDefaults, source);
    }

    /** How a connection made now looks for a path: the servers of this moment ({@link #iceSource}). */
    public RtcConfig rtcConfig() {
        IceServerSource source = iceSource != null ? iceSource : IceServerSource.fixed(iceServers);
        return new RtcConfig(source.current(), iceTransport, RtcConfig.DEFAULT_ICE_GATHERING_TIMEOUT,
                source.withoutRelayAdvice());
    }
}
