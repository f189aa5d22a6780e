package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of signaling over a {@link SignalBoard} (the Mainline DHT).
 *
 * @param secret       the session's shared secret: keys, signing keys and seals all derive from it; null for a
 *                     short code until its key exchange has given one ({@link #withSecret})
 * @param timeout      how long to wait for the other peer's offer or answer
 * @param pollPause    the pause between two looks at the board (each look is a DHT lookup of its own)
 * @param stepLimit    the limit of one put or get on the board
 * @param progressEvery how often a line on standard error says that the wait goes on
 */
public record BoardOptions(SharedSecret secret, String label, String greeting, List<IceServer> iceServers,
                           IceTransport iceTransport,
                           Duration timeout, Duration connectTimeout, Duration pollPause, Duration stepLimit,
                           Duration progressEvery) {
    public BoardOptions {
        Objects.requireNonNull(iceTransport, "iceTransport");
        iceServers = List.copyOf(iceServers);
    }

    /** The same options with the secret a short code's key exchange gave. */
    public BoardOptions withSecret(SharedSecret agreed) {
        return new BoardOptions(Objects.requireNonNull(agreed, "secret"), label, greeting, iceServers, iceTransport, timeout,
                connectTimeout, pollPause, stepLimit, progressEvery);
    }

    public RtcConfig rtcConfig() {
        return new RtcConfig(iceServers, iceTransport, RtcConfig.DEFAULT_ICE_GATHERING_TIMEOUT);
    }
}
