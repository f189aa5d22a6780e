package dev.dhtsignal.server.http;

import com.sun.net.httpserver.Headers;
import java.util.List;
import java.util.Locale;

/**
 * Which web pages may use the API (CORS). The page the gateway serves is same-origin and always may.
 * Other origins only when listed. A refused origin gets 403 from the server itself, not just a missing
 * CORS header: a {@code PUT} with {@code Content-Type: text/plain} is a "simple" request that browsers
 * send without asking first, so leaving the refusal to the browser would still let a foreign page write.
 */
final class OriginPolicy {
    static final String ALLOWED_METHODS = "GET, HEAD, PUT, OPTIONS";
    static final String ALLOWED_HEADERS = "Content-Type, If-Match, If-None-Match, Prefer";
    static final String EXPOSED_HEADERS = "ETag, Retry-After, Preference-Applied, Dht-Copies";

    private final List<String> allowed;

    OriginPolicy(List<String> allowed) {
        this.allowed = allowed.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
    }

    /** Whether a request may proceed: no Origin (not a browser page), the gateway's own, or a listed one. */
    boolean permits(Headers request) {
        String origin = request.getFirst("Origin");
        return origin == null || sameOrigin(origin, request.getFirst("Host")) || listed(origin);
    }

    private boolean listed(String origin) {
        return allowed.contains("*") || allowed.contains(origin.toLowerCase(Locale.ROOT));
    }

    private static boolean sameOrigin(String origin, String host) {
        return host != null && origin.equalsIgnoreCase("http://" + host);
    }

    /** Adds the CORS response headers for a permitted cross-origin request. */
    void decorate(Headers request, Headers response) {
        String origin = request.getFirst("Origin");
        if (origin == null || sameOrigin(origin, request.getFirst("Host")) || !listed(origin)) {
            return;
        }
        response.set("Access-Control-Allow-Origin", allowed.contains("*") ? "*" : origin);
        response.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (!allowed.contains("*")) {
            response.set("Vary", "Origin");
        }
    }

    /** Adds the answer to a preflight (OPTIONS) request. */
    void preflight(Headers request, Headers response) {
        decorate(request, response);
        response.set("Access-Control-Allow-Methods", ALLOWED_METHODS);
        response.set("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        response.set("Access-Control-Max-Age", "600");
    }
}
