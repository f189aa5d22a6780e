package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a Mainline DHT node.
 *
 * @param bind           the UDP address to bind (port 0: any free port)
 * @param readOnly       BEP 43: answer no queries and say so in ours, so that this node never enters
 *                       anyone's routing table (short-lived peers)
 * @param nodeId         a fixed id; otherwise random, and replaced by a BEP 42 id once the external address
 *                       is known (full nodes only)
 * @param k              bucket size and replication (8 on the Mainline DHT)
 * @param alpha          parallel requests of a lookup
 * @param rpcTimeout     longest wait for a reply; measured round trips shorten it
 * @param lookupLimit    longest a whole lookup may take
 * @param maxItems       BEP 44 items stored for others
 * @param itemLifetime   how long a stored item lives without being written again
 * @param rateLimits     queries served per second
 * @param answerStun     answer STUN Binding requests on the node's port (a full node's default; a read-only node
 *                       answers nothing)
 * @param turnCredentials the TURN server whose credentials the node hands its peers ({@code ice_servers}), or null
 */
public record MainlineConfig(InetSocketAddress bind, boolean readOnly, Optional<NodeId> nodeId, int k, int alpha,
                             Duration rpcTimeout, Duration lookupLimit, int maxItems, Duration itemLifetime,
                             RateLimits rateLimits, String threadName, Clock clock, boolean answerStun,
                             TurnRestCredentials turnCredentials) {
    public static final int MAINLINE_K = 8;

    public MainlineConfig {
        Objects.requireNonNull(bind, "bind");
        if (k < 1 || alpha < 1) {
            throw new IllegalArgumentException("k and alpha must be positive");
        }
    }

    /** A full node on {@code bind} with the Mainline network's usual settings. */
    public static MainlineConfig server(InetSocketAddress bind) {
        return new MainlineConfig(bind, false, Optional.empty(), MAINLINE_K, 3, Duration.ofSeconds(2),
                Duration.ofSeconds(30), 50_000, Duration.ofHours(2), RateLimits.defaults(),
                "mainline", Clock.systemUTC(), true, null);
    }

    /** A read-only node (BEP 43) for a short-lived peer. */
    public static MainlineConfig client(InetSocketAddress bind) {
        return server(bind).withReadOnly(true);
    }

    public MainlineConfig withReadOnly(boolean ro) {
        return new MainlineConfig(bind, ro, nodeId, k, alpha, rpcTimeout, lookupLimit, maxItems, itemLifetime,
                rateLimits, threadName, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withNodeId(NodeId id) {
        return new MainlineConfig(bind, readOnly, Optional.of(id), k, alpha, rpcTimeout, lookupLimit, maxItems,
                itemLifetime, rateLimits, threadName, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withRpcTimeout(Duration timeout) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, timeout, lookupLimit, maxItems, itemLifetime,
                rateLimits, threadName, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withRateLimits(RateLimits limits) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, maxItems, itemLifetime,
                limits, threadName, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withThreadName(String name) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, maxItems, itemLifetime,
                rateLimits, name, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withItems(int max, Duration lifetime) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, max, lifetime,
                rateLimits, threadName, clock, answerStun, turnCredentials);
    }

    public MainlineConfig withStun(boolean answer) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, maxItems, itemLifetime,
                rateLimits, threadName, clock, answer, turnCredentials);
    }

    public MainlineConfig withTurn(TurnRestCredentials credentials) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, maxItems, itemLifetime,
                rateLimits, threadName, clock, answerStun, credentials);
    }
}
