package dev.dhtsignal.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /ice-servers} over real HTTP: the RTCConfiguration shape, fresh credentials, no caching, CORS, limits. */
class IceServersGatewayTest {
    private static final byte[] SECRET = "gateway-secret".getBytes(StandardCharsets.UTF_8);
    private static final List<String> TURN = List.of("turn:198.51.100.1:3478?transport=udp", "turn:198.51.100.1:3478?transport=tcp");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private KademliaNode node;
    private HttpGateway gateway;

    private void start(TurnRestCredentials turn, boolean stun) throws Exception {
        node = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .turnCredentials(turn).answerStun(stun).build());
        gateway = HttpGateway.start(node, GatewayOptions.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of("https://app.example"), 8100, Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<String> get(String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.address().getPort() + "/ice-servers"))
                .timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePageGetsTheNodesStunServerAndFreshTurnCredentialsInRtcConfigurationShape() throws Exception {
        start(new TurnRestCredentials(TURN, SECRET, Duration.ofMinutes(10), Clock.systemUTC()), true);
        HttpResponse<String> r = get("Origin", "https://app.example");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("https://app.example", r.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        Map<String, Object> body = JSON.std.mapFrom(r.body());
        List<Map<String, Object>> servers = (List<Map<String, Object>>) body.get("iceServers");
        assertEquals(Map.of("urls", List.of("stun:127.0.0.1:" + node.localAddress().getPort())), servers.get(0));
        Map<String, Object> turn = servers.get(1);
        assertEquals(TURN, turn.get("urls"));
        String username = (String) turn.get("username");
        assertEquals(TurnRestCredentials.password(SECRET, username), turn.get("credential"));
        long expires = ((Number) body.get("expires")).longValue();
        assertEquals(Long.parseLong(username.substring(0, username.indexOf(':'))), expires);
        assertTrue(Instant.ofEpochSecond(expires).isAfter(Instant.now().plus(Duration.ofMinutes(9))));
        assertEquals(2, servers.size());

        HttpResponse<String> again = get();
        assertTrue(!again.body().contains(username), "each request gets credentials of its own");
    }

    @Test
    void aFewAMinutePerAddressThen429WithRetryAfter() throws Exception {
        start(new TurnRestCredentials(TURN, SECRET, Duration.ofMinutes(10), Clock.systemUTC()), true);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get().statusCode());
        }
        HttpResponse<String> refused = get("Origin", "https://app.example");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("10", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals("https://app.example", refused.headers().firstValue("Access-Control-Allow-Origin").orElse(""),
                "the page can read the refusal");
    }

    @Test
    void aNodeWithoutTurnOrStunOffersWhatItHas() throws Exception {
        start(null, false);
        HttpResponse<String> r = get();
        assertEquals(200, r.statusCode());
        assertEquals("{\"iceServers\":[]}", r.body());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.address().getPort()
                + "/ice-servers")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void theStunHostIsTheNameThePageUsed() {
        assertEquals("localhost", IceServersResource.hostOf("localhost:8080"));
        assertEquals("[::1]", IceServersResource.hostOf("[::1]:8080"));
        assertEquals("dht.example.org", IceServersResource.hostOf("DHT.example.org."));
        assertEquals(null, IceServersResource.hostOf(""));
    }
}
