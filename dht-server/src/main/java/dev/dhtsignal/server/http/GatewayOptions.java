package dev.dhtsignal.server.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The HTTP gateway's settings, immutable. Every limit is there because the gateway is an open door to the
 * DHT: anyone who reaches the port can read and write values through this node.
 *
 * @param bind address and port to listen on (port 0 picks a free one)
 * @param allowedOrigins web origins other than the gateway's own whose pages may call the API
 *                       ({@code *} for any); empty means only the page the gateway serves itself
 * @param hostNames host names, besides IP addresses (and {@code localhost} on loopback), that requests may
 *                  name in {@code Host}: the names the gateway is reached by
 * @param trustedProxies addresses of reverse proxies whose {@code X-Forwarded-For} names the client; none
 *                       by default
 * @param limits what one client, one network and everyone together may take
 * @param longestWait the longest a long-poll is held, whatever the client asks for
 * @param maxValueBytes largest value a client may put (the node's own limit, in encoded bytes)
 * @param dhtTimeout the longest a single DHT get or put may take before the client gets 504
 */
public record GatewayOptions(InetSocketAddress bind, List<String> allowedOrigins, List<String> hostNames,
                             List<InetAddress> trustedProxies, GatewayLimits limits, Duration longestWait,
                             int maxValueBytes, Duration dhtTimeout) {
    public static final Duration DEFAULT_LONGEST_WAIT = Duration.ofSeconds(30);

    public GatewayOptions {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(limits, "limits");
        allowedOrigins = List.copyOf(allowedOrigins);
        hostNames = hostNames.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        trustedProxies = List.copyOf(trustedProxies);
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("the value size limit must be positive");
        }
        if (longestWait.isNegative() || longestWait.isZero() || dhtTimeout.isNegative() || dhtTimeout.isZero()) {
            throw new IllegalArgumentException("gateway durations must be positive");
        }
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("an allowed origin is scheme://host[:port] or *, got '" + origin + "'");
            }
        }
        for (String host : hostNames) {
            if (!HostPolicy.isHostName(host)) {
                throw new IllegalArgumentException("--http-host takes a host name (letters, digits, '-' and '.'), got '"
                        + host + "'");
            }
        }
    }

    /** Options with the default limits, no extra host names and no trusted proxy. */
    public static GatewayOptions of(InetSocketAddress bind, List<String> allowedOrigins, int maxValueBytes, Duration dhtTimeout) {
        return new GatewayOptions(bind, allowedOrigins, List.of(), List.of(), GatewayLimits.defaults(), DEFAULT_LONGEST_WAIT,
                maxValueBytes, dhtTimeout);
    }

    public GatewayOptions withLimits(GatewayLimits l) {
        return new GatewayOptions(bind, allowedOrigins, hostNames, trustedProxies, l, longestWait, maxValueBytes, dhtTimeout);
    }

    public GatewayOptions withHostNames(List<String> names) {
        return new GatewayOptions(bind, allowedOrigins, names, trustedProxies, limits, longestWait, maxValueBytes, dhtTimeout);
    }

    public GatewayOptions withTrustedProxies(List<InetAddress> proxies) {
        return new GatewayOptions(bind, allowedOrigins, hostNames, proxies, limits, longestWait, maxValueBytes, dhtTimeout);
    }
}
