package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the offerer and answerer are told by their options, immutable.
 *
 * @param dht the DHT node to join
 * @param rendezvous the keys and format of the conversation
 * @param label the data channel's label ("chat")
 * @param greeting the first message sent over the channel
 * @param iceServers STUN/TURN servers; none by default (host candidates only)
 * @param timeout how long to wait for the other peer's offer or answer to appear
 * @param connectTimeout how long the connection and the greeting exchange may take once both descriptions are set
 * @param pollInterval the longest pause between two polls of the DHT
 * @param dhtTimeout the longest wait for any one DHT reply
 * @param iceTransport which ICE candidates may be used: all, or TURN relays only
 */
public record SignalingOptions(InetSocketAddress dht, Rendezvous rendezvous, String label, String greeting,
                               List<IceServer> iceServers, Duration timeout, Duration connectTimeout,
                               Duration pollInterval, Duration dhtTimeout, IceTransport iceTransport) {
    /** Defaults, the same as the programs' option defaults (see PeerOptions). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    /** The longest wait for one DHT reply; the node's measured round trips shorten it. */
    public static final Duration DEFAULT_DHT_TIMEOUT = Duration.ofSeconds(2);

    public SignalingOptions {
        Objects.requireNonNull(dht, "dht");
        Objects.requireNonNull(rendezvous, "rendezvous");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(greeting, "greeting");
        iceServers = List.copyOf(iceServers);
        Objects.requireNonNull(iceTransport, "iceTransport");
        requirePositive(timeout, "timeout");
        requirePositive(connectTimeout, "connect timeout");
        requirePositive(pollInterval, "poll interval");
        requirePositive(dhtTimeout, "DHT timeout");
        if (label.isEmpty() || label.length() > 1000) {
            throw new IllegalArgumentException("the channel label must be 1..1000 characters");
        }
    }

    /** All ICE candidate types. */
    public SignalingOptions(InetSocketAddress dht, Rendezvous rendezvous, String label, String greeting,
                            List<IceServer> iceServers, Duration timeout, Duration connectTimeout,
                            Duration pollInterval, Duration dhtTimeout) {
        this(dht, rendezvous, label, greeting, iceServers, timeout, connectTimeout, pollInterval, dhtTimeout,
                IceTransport.ALL);
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }

    /** The same options meeting under other keys: after a short code's key exchange, the sealed ones it gave. */
    public SignalingOptions withRendezvous(Rendezvous other) {
        return new SignalingOptions(dht, other, label, greeting, iceServers, timeout, connectTimeout, pollInterval,
                dhtTimeout, iceTransport);
    }

    public RtcConfig rtcConfig() {
        return new RtcConfig(iceServers, iceTransport, RtcConfig.DEFAULT_ICE_GATHERING_TIMEOUT);
    }

    /** "the DHT at 127.0.0.1:8468", for messages. */
    public String dhtDescription() {
        return "the DHT at " + dev.dhtsignal.dht.Endpoints.format(dht);
    }
}
