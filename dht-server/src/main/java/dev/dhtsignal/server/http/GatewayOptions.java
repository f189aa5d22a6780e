package dev.dhtsignal.server.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The HTTP gateway's settings, immutable. Every limit is there because the gateway is an open door to the
 * DHT: anyone who reaches the port can read and write values through this node.
 *
 * @param bind address and port to listen on (port 0 picks a free one)
 * @param allowedOrigins web origins other than the gateway's own whose pages may call the API
 *                       ({@code *} for any); empty means only the page the gateway serves itself
 * @param requestsPerSecond sustained requests per second from one client address (0 = no limit)
 * @param burst requests one client address may make at once before its rate applies
 * @param maxWaits long-polls held open at once, from everyone together
 * @param maxWaitsPerClient long-polls held open at once for one client address
 * @param longestWait the longest a long-poll is held, whatever the client asks for
 * @param maxValueBytes largest value a client may put (the node's own limit, in encoded bytes)
 * @param dhtTimeout the longest a single DHT get or put may take before the client gets 504
 */
public record GatewayOptions(InetSocketAddress bind, List<String> allowedOrigins, int requestsPerSecond, int burst,
                             int maxWaits, int maxWaitsPerClient, Duration longestWait, int maxValueBytes,
                             Duration dhtTimeout) {
    public static final int DEFAULT_REQUESTS_PER_SECOND = 20;
    public static final int DEFAULT_MAX_WAITS = 256;
    public static final int DEFAULT_MAX_WAITS_PER_CLIENT = 32;
    public static final Duration DEFAULT_LONGEST_WAIT = Duration.ofSeconds(30);

    public GatewayOptions {
        Objects.requireNonNull(bind, "bind");
        allowedOrigins = List.copyOf(allowedOrigins);
        if (requestsPerSecond < 0 || burst < 0 || maxWaits < 1 || maxWaitsPerClient < 1 || maxValueBytes < 1) {
            throw new IllegalArgumentException("gateway limits must be positive");
        }
        if (longestWait.isNegative() || longestWait.isZero() || dhtTimeout.isNegative() || dhtTimeout.isZero()) {
            throw new IllegalArgumentException("gateway durations must be positive");
        }
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("an allowed origin is scheme://host[:port] or *, got '" + origin + "'");
            }
        }
    }
}
