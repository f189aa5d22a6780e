package dev.dhtsignal.server.http;

import java.time.Duration;

/**
 * How much of the gateway one client may take, and all of them together. A client is keyed twice: by its
 * exact address and by its network (an IPv4 /24 or an IPv6 /64), because one person commonly holds many
 * addresses of one network (an IPv6 /64 is a single home's or machine's allocation), and many addresses of
 * one network cost an attacker little. docs/gateway.md lists them with their reasons.
 *
 * @param requestsPerSecond sustained requests per second from one address (0 = no request rate limit at all)
 * @param burst requests one address may make at once before its rate applies
 * @param prefixRequestsPerSecond sustained requests per second from one network
 * @param prefixBurst requests one network may make at once
 * @param maxWaits long-polls held open at once, from everyone together
 * @param maxWaitsPerClient long-polls held open at once for one address
 * @param maxWaitsPerPrefix long-polls held open at once for one network
 * @param maxConnections TCP connections open at once, from everyone together
 * @param maxConnectionsPerClient TCP connections open at once from one address
 * @param maxConnectionsPerPrefix TCP connections open at once from one network
 * @param requestTimeout the longest a connection may take to deliver a complete request (line, headers and
 *                       body), counted from its opening or from its previous response; an idle kept-alive
 *                       connection is closed after it too. The handling of a request (a long-poll) is not
 *                       counted.
 */
public record GatewayLimits(int requestsPerSecond, int burst, int prefixRequestsPerSecond, int prefixBurst,
                            int maxWaits, int maxWaitsPerClient, int maxWaitsPerPrefix,
                            int maxConnections, int maxConnectionsPerClient, int maxConnectionsPerPrefix,
                            Duration requestTimeout) {
    public static final int DEFAULT_REQUESTS_PER_SECOND = 20;
    public static final int DEFAULT_MAX_WAITS = 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public GatewayLimits {
        if (requestsPerSecond < 0 || burst < 0 || prefixRequestsPerSecond < 0 || prefixBurst < 0) {
            throw new IllegalArgumentException("gateway rates must not be negative");
        }
        if (maxWaits < 1 || maxWaitsPerClient < 1 || maxWaitsPerPrefix < 1
                || maxConnections < 1 || maxConnectionsPerClient < 1 || maxConnectionsPerPrefix < 1) {
            throw new IllegalArgumentException("gateway limits must be at least 1");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request time limit must be positive");
        }
    }

    /**
     * The defaults for a request rate per address ({@code --http-rate}) and a total of long-polls
     * ({@code --http-max-waits}): a network gets four times what one address gets, an address an eighth of
     * the waits (at least 1) and a network a quarter.
     */
    public static GatewayLimits forRate(int requestsPerSecond, int maxWaits) {
        return new GatewayLimits(requestsPerSecond, requestsPerSecond * 3, requestsPerSecond * 4, requestsPerSecond * 12,
                maxWaits, Math.max(1, Math.min(32, maxWaits / 8)), Math.max(1, maxWaits / 4),
                DEFAULT_MAX_CONNECTIONS, 64, 256, DEFAULT_REQUEST_TIMEOUT);
    }

    public static GatewayLimits defaults() {
        return forRate(DEFAULT_REQUESTS_PER_SECOND, DEFAULT_MAX_WAITS);
    }

    public GatewayLimits withRates(int perSecond, int burstAtOnce, int prefixPerSecond, int prefixBurstAtOnce) {
        return new GatewayLimits(perSecond, burstAtOnce, prefixPerSecond, prefixBurstAtOnce, maxWaits, maxWaitsPerClient,
                maxWaitsPerPrefix, maxConnections, maxConnectionsPerClient, maxConnectionsPerPrefix, requestTimeout);
    }

    public GatewayLimits withWaits(int total, int perClient, int perPrefix) {
        return new GatewayLimits(requestsPerSecond, burst, prefixRequestsPerSecond, prefixBurst, total, perClient, perPrefix,
                maxConnections, maxConnectionsPerClient, maxConnectionsPerPrefix, requestTimeout);
    }

    public GatewayLimits withConnections(int total, int perClient, int perPrefix) {
        return new GatewayLimits(requestsPerSecond, burst, prefixRequestsPerSecond, prefixBurst, maxWaits, maxWaitsPerClient,
                maxWaitsPerPrefix, total, perClient, perPrefix, requestTimeout);
    }

    public GatewayLimits withRequestTimeout(Duration limit) {
        return new GatewayLimits(requestsPerSecond, burst, prefixRequestsPerSecond, prefixBurst, maxWaits, maxWaitsPerClient,
                maxWaitsPerPrefix, maxConnections, maxConnectionsPerClient, maxConnectionsPerPrefix, limit);
    }
}
