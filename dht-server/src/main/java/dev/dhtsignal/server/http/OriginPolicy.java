package dev.dhtsignal.server.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * Which web pages may use the API (CORS). The page the gateway serves is same-origin and always may.
 * Other origins only when listed. A refused origin gets 403 from the server itself, not just a missing
 * CORS header: a {@code PUT} with {@code Content-Type: text/plain} is a "simple" request that browsers
 * send without asking first, so leaving the refusal to the browser would still let a foreign page write.
 * Same-origin is judged against the {@code Host}, which {@link HostPolicy} has checked before.
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
    boolean permits(HttpHeaders request) {
        String origin = request.get("Origin");
        return origin == null || sameOrigin(origin, request.get("Host")) || listed(origin);
    }

    private boolean listed(String origin) {
        return allowed.contains("*") || allowed.contains(origin.toLowerCase(Locale.ROOT));
    }

    /** Our own page: reached directly over http, or through a reverse proxy over https. */
    private static boolean sameOrigin(String origin, String host) {
        return host != null && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
    }

    /**
     * Adds the CORS response headers for a permitted cross-origin request: to every answer, refusals (429,
     * 414, 503) included, so that the page sees the status and can honour {@code Retry-After}.
     */
    void decorate(HttpHeaders request, HttpHeaders response) {
        String origin = request.get("Origin");
        if (origin == null || sameOrigin(origin, request.get("Host")) || !listed(origin)) {
            return;
        }
        response.set("Access-Control-Allow-Origin", allowed.contains("*") ? "*" : origin);
        response.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (!allowed.contains("*")) {
            response.set("Vary", "Origin");
        }
    }

    /**
     * For an answer to a request whose headers could not be read (a malformed request): its origin is
     * unknown, so when any page of another origin may use the gateway, every page may read this refusal (a
     * line of text about the request itself, nothing of the DHT).
     */
    void decorateUnread(HttpHeaders response) {
        if (!allowed.isEmpty()) {
            response.set("Access-Control-Allow-Origin", "*");
            response.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        }
    }

    /** Adds the answer to a preflight (OPTIONS) request. */
    void preflight(HttpHeaders request, HttpHeaders response) {
        decorate(request, response);
        response.set("Access-Control-Allow-Methods", ALLOWED_METHODS);
        response.set("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        response.set("Access-Control-Max-Age", "600");
    }
}
