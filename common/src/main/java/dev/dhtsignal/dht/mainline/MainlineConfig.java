package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.storage.SourceQuotas;
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
 * @param items          BEP 44 items stored for others: how many, and each address's and network's share
 * @param itemLifetime   how long a stored item lives without being written again
 * @param peers          BEP 5 announced peers stored for others: how many, and each source's share
 * @param rateLimits     queries served per second, verification pings, and the byte budget of replies to
 *                       senders not verified
 * @param strictNodeIds  require BEP 42 ids from loopback and private addresses too (public ones always
 *                       must have them): for trying the rule on one host
 * @param answerStun     answer STUN Binding requests on the node's port (a full node's default; a read-only node
 *                       answers nothing)
 * @param turnCredentials the TURN server whose credentials the node hands its peers ({@code ice_servers}), or null
 */
public record MainlineConfig(InetSocketAddress bind, boolean readOnly, Optional<NodeId> nodeId, int k, int alpha,
                             Duration rpcTimeout, Duration lookupLimit, SourceQuotas items, Duration itemLifetime,
                             SourceQuotas peers, RateLimits rateLimits, boolean strictNodeIds, String threadName,
                             Clock clock, boolean answerStun, TurnRestCredentials turnCredentials) {
    public static final int MAINLINE_K = 8;
    /** BEP 44 items held by default (each of at most 1000 bytes of value). */
    public static final int DEFAULT_MAX_ITEMS = 50_000;
    /**
     * Announced peers held by default, over all torrents: a node hears announces only for the torrents
     * whose info-hashes are near its id, so few torrents of the whole network land on one node.
     */
    public static final int DEFAULT_MAX_PEERS = 20_000;

    public MainlineConfig {
        Objects.requireNonNull(bind, "bind");
        if (k < 1 || alpha < 1) {
            throw new IllegalArgumentException("k and alpha must be positive");
        }
    }

    /** A full node on {@code bind} with the Mainline network's usual settings. */
    public static MainlineConfig server(InetSocketAddress bind) {
        return new MainlineConfig(bind, false, Optional.empty(), MAINLINE_K, 3, Duration.ofSeconds(2),
                Duration.ofSeconds(30), SourceQuotas.sharesOf(DEFAULT_MAX_ITEMS), Duration.ofHours(2),
                SourceQuotas.sharesOf(DEFAULT_MAX_PEERS), RateLimits.defaults(), false, "mainline", Clock.systemUTC(), true, null);
    }

    /** A read-only node (BEP 43) for a short-lived peer. */
    public static MainlineConfig client(InetSocketAddress bind) {
        return server(bind).withReadOnly(true);
    }

    public MainlineConfig withReadOnly(boolean ro) {
        return new MainlineConfig(bind, ro, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime, peers,
                rateLimits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withNodeId(NodeId id) {
        return new MainlineConfig(bind, readOnly, Optional.of(id), k, alpha, rpcTimeout, lookupLimit, items,
                itemLifetime, peers, rateLimits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withRpcTimeout(Duration timeout) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, timeout, lookupLimit, items, itemLifetime, peers,
                rateLimits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withRateLimits(RateLimits limits) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, limits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withThreadName(String name) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, rateLimits, strictNodeIds, name, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withItems(SourceQuotas quotas, Duration lifetime) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, quotas, lifetime, peers,
                rateLimits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withPeers(SourceQuotas quotas) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                quotas, rateLimits, strictNodeIds, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withStrictNodeIds(boolean strict) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, rateLimits, strict, threadName, clock,
                answerStun, turnCredentials);
    }

    public MainlineConfig withClock(Clock c) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, rateLimits, strictNodeIds, threadName, c,
                answerStun, turnCredentials);
    }

    public MainlineConfig withStun(boolean answer) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, rateLimits, strictNodeIds, threadName, clock, answer, turnCredentials);
    }

    public MainlineConfig withTurn(TurnRestCredentials credentials) {
        return new MainlineConfig(bind, readOnly, nodeId, k, alpha, rpcTimeout, lookupLimit, items, itemLifetime,
                peers, rateLimits, strictNodeIds, threadName, clock, answerStun, credentials);
    }
}
