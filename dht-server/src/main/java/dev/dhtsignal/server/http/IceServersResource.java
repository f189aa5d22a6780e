package dev.dhtsignal.server.http;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /ice-servers}: the STUN and TURN servers a page should use, as
 * {@code {"iceServers": [...]}} in the shape RTCPeerConnection takes ({@code urls}, {@code username},
 * {@code credential}), so the page passes the list on as it is; {@code expires} (Unix seconds) says when
 * the TURN credentials stop working. The STUN server is this gateway's own DHT node, named by the host the
 * page reached the gateway by (the Host header, which {@link HostPolicy} has already checked) and the
 * node's UDP port. TURN credentials are fresh for each request and limited to a few a minute per address,
 * as over UDP ({@code IceServerIssuer}); never cached ({@code Cache-Control: no-store}).
 */
final class IceServersResource {
    static final String PATH = "/ice-servers";

    private final KademliaNode node;

    IceServersResource(KademliaNode node) {
        this.node = node;
    }

    void handle(Exchange ex) {
        if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
            ex.responseHeaders().set("Allow", "GET, HEAD, OPTIONS");
            ex.error(405, ex.method() + " is not supported on " + PATH + "; use GET");
            return;
        }
        ex.responseHeaders().set("Cache-Control", "no-store");
        Optional<IceServerOffer> offer = node.offerIceServers(ex.client().address());
        if (offer.isEmpty()) {
            ex.responseHeaders().set("Retry-After", "10");
            ex.error(429, "this address has asked for ICE servers too often; a few a minute are answered");
            return;
        }
        List<Map<String, Object>> servers = new ArrayList<>();
        String host = hostOf(ex.requestHeaders().get("Host"));
        if (offer.get().stun() && host != null) {
            servers.add(Map.of("urls", List.of("stun:" + host + ":" + node.localAddress().getPort())));
        }
        Long expires = null;
        for (TurnServer t : offer.get().turn()) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("urls", t.urls());
            turn.put("username", t.username());
            turn.put("credential", t.credential());
            servers.add(turn);
            expires = expires == null ? t.expires().getEpochSecond() : Math.min(expires, t.expires().getEpochSecond());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("iceServers", servers);
        if (expires != null) {
            body.put("expires", expires);
        }
        try {
            ex.body(200, "application/json", JSON.std.asString(body).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            ex.error(500, "the gateway could not write its answer: " + e.getMessage());
        }
    }

    /** The host part of a Host header ({@code name:port}, {@code [v6]:port}), or null when there is none. */
    static String hostOf(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.lastIndexOf(':');
        String host = colon < 0 ? h : h.substring(0, colon);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
