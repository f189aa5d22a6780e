package dev.dhtsignal.dht.ice;

import dev.dhtsignal.dht.rpc.RateLimiter;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Answers a node's peers when they ask for ICE servers (the {@code ice_servers} RPC, the HTTP gateway's
 * {@code GET /ice-servers}): whether the node answers STUN, and fresh TURN credentials when the node was
 * given a TURN server and its secret. Each source address may ask a few times a minute (and its IPv4 /24
 * or IPv6 /64 four times that): a peer asks once per run, and credentials handed to one address by the
 * hundred would only serve someone collecting them. Thread-safe.
 */
public final class IceServerIssuer {
    /** 6 a minute from one address, 3 at once; 24 a minute from its network; 50 a second in all. */
    public static final RateLimiter.Rates DEFAULT_RATES = RateLimiter.Rates.perMinute(6, 3, 50);

    private final boolean stun;
    private final TurnRestCredentials turn;
    private final RateLimiter limiter;

    /**
     * @param stun whether the node answers STUN on its port
     * @param turn the TURN server and secret, or null when the node offers none
     */
    public IceServerIssuer(boolean stun, TurnRestCredentials turn, RateLimiter.Rates rates, LongSupplier nanoTime) {
        this.stun = stun;
        this.turn = turn;
        this.limiter = new RateLimiter(rates, nanoTime);
    }

    /** What this node offers {@code requester} now, or empty when it has asked too often. */
    public Optional<IceServerOffer> offerTo(InetAddress requester) {
        if (!limiter.admit(requester)) {
            return Optional.empty();
        }
        return Optional.of(new IceServerOffer(stun, turn == null ? List.of() : List.of(turn.issue())));
    }

    public boolean answersStun() {
        return stun;
    }

    /** The TURN credentials' source, or null when the node offers no TURN server. */
    public TurnRestCredentials turn() {
        return turn;
    }
}
