package dev.dhtsignal.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gateway over a real node, spoken to over real HTTP. */
class HttpGatewayTest {
    private static final String OFFER = "{\"sdp\":\"v=0\\r\\n\",\"type\":\"offer\"}";
    /**
     * HTTP/1.1, as browsers speak to the gateway: the client's default first offers an upgrade to HTTP/2
     * and holds later requests to the same server until that first exchange has ended, which turns a
     * test of two long-polls at once into one after the other.
     */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private KademliaNode node;
    private HttpGateway gateway;

    private void start(int rate, int burst, int maxWaits, int maxWaitsPerClient, List<String> origins) throws Exception {
        node = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build());
        GatewayLimits limits = GatewayLimits.defaults().withRates(rate, burst, rate * 4, burst * 4)
                .withWaits(maxWaits, maxWaitsPerClient, maxWaits);
        gateway = HttpGateway.start(node, GatewayOptions.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                origins, 8100, Duration.ofSeconds(5)).withLimits(limits));
    }

    private void start(java.util.function.UnaryOperator<GatewayOptions> tune) throws Exception {
        node = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build());
        gateway = HttpGateway.start(node, tune.apply(GatewayOptions.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(), 8100, Duration.ofSeconds(5))));
    }

    private void start() throws Exception {
        start(0, 0, 16, 8, List.of());
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

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.address().getPort() + path)).timeout(Duration.ofSeconds(60));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> putText(String path, String text, String... headers) throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "text/plain; charset=utf-8")
                .PUT(HttpRequest.BodyPublishers.ofString(text));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    @Test
    void aPutValueIsTheNodesValueUnderTheSha1OfTheNameAsThePeersUseIt() throws Exception {
        start();
        HttpResponse<String> put = putText("/dht/name/webrtc-offer", OFFER);
        assertEquals(204, put.statusCode(), put.body());
        NodeId key = NodeId.digestOf("webrtc-offer");
        assertEquals(Optional.of(DhtValue.text(OFFER)), Await.result("node get", node.getDigest(key)));

        HttpResponse<String> get = send(request("/dht/" + key.toHex()));
        assertEquals(200, get.statusCode());
        assertEquals(OFFER, get.body());
        assertTrue(get.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        assertEquals(put.headers().firstValue("ETag"), get.headers().firstValue("ETag"));

        // A binary value (a sealed box) travels as bytes and is stored as a MessagePack bin.
        byte[] box = {'W', 'D', 'S', '1', 0, (byte) 0xff, 1, 2};
        HttpResponse<String> putBytes = send(request("/dht/name/webrtc-answer").header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(box)));
        assertEquals(204, putBytes.statusCode(), putBytes.body());
        assertEquals(Optional.of(DhtValue.bytes(box)), Await.result("node get", node.getDigest(NodeId.digestOf("webrtc-answer"))));
        HttpResponse<byte[]> getBytes = http.send(request("/dht/name/webrtc-answer").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("application/octet-stream", getBytes.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(java.util.Arrays.equals(box, getBytes.body()));

        // The empty string that clears a key is still a text value.
        assertEquals(204, putText("/dht/name/webrtc-offer", "").statusCode());
        HttpResponse<String> cleared = send(request("/dht/name/webrtc-offer"));
        assertEquals(200, cleared.statusCode());
        assertEquals("", cleared.body());
        assertTrue(cleared.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    }

    @Test
    void aMissingValueIs404AndAnUnchangedOneIs304() throws Exception {
        start();
        HttpResponse<String> missing = send(request("/dht/name/nothing-here"));
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("no value under key " + NodeId.digestOf("nothing-here").toHex()), missing.body());
        String tag = putText("/dht/name/k", "v").headers().firstValue("ETag").orElseThrow();
        assertEquals(304, send(request("/dht/name/k").header("If-None-Match", tag)).statusCode());
    }

    @Test
    void aLongPollAnswersWhenTheValueChangesAndWith304WhenItDoesNot() throws Exception {
        start();
        String tag = putText("/dht/name/slot", "first").headers().firstValue("ETag").orElseThrow();
        CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(request("/dht/name/slot")
                .header("Prefer", "wait=30").header("If-None-Match", tag).build(), HttpResponse.BodyHandlers.ofString());
        // Still waiting while the value is the same; the new value is written by the node itself, as a peer's
        // store over UDP would be.
        assertFalse(waiting.isDone());
        Await.result("node put", node.putDigest(NodeId.digestOf("slot"), DhtValue.text("second")));
        HttpResponse<String> changed = waiting.get(30, TimeUnit.SECONDS);
        assertEquals(200, changed.statusCode());
        assertEquals("second", changed.body());
        assertEquals(Optional.of("wait=30"), changed.headers().firstValue("Preference-Applied"));

        // Waiting for a key with no value ends when one appears.
        CompletableFuture<HttpResponse<String>> absent = http.sendAsync(request("/dht/name/later").header("Prefer", "wait=30").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, putText("/dht/name/later", "here").statusCode());
        assertEquals("here", absent.get(30, TimeUnit.SECONDS).body());

        String secondTag = changed.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> unchanged = send(request("/dht/name/slot").header("Prefer", "wait=1").header("If-None-Match", secondTag));
        assertEquals(304, unchanged.statusCode());
    }

    @Test
    void conditionalPutsFollowTheirPreconditions() throws Exception {
        start();
        String tag = putText("/dht/name/c", "one").headers().firstValue("ETag").orElseThrow();
        assertEquals(412, putText("/dht/name/c", "two", "If-Match", "\"00000000000000000000000000000000\"").statusCode());
        assertEquals(412, putText("/dht/name/c", "two", "If-None-Match", "*").statusCode());
        assertEquals(204, putText("/dht/name/c", "two", "If-Match", tag).statusCode());
        assertEquals("two", send(request("/dht/name/c")).body());
        assertEquals(204, putText("/dht/name/fresh", "x", "If-None-Match", "*").statusCode());
    }

    @Test
    void badRequestsGet4xxWithAReason() throws Exception {
        start();
        HttpResponse<String> badKey = send(request("/dht/xyz"));
        assertEquals(400, badKey.statusCode());
        assertTrue(badKey.body().contains("40 hex digits"), badKey.body());
        HttpResponse<String> tooLarge = putText("/dht/name/big", "x".repeat(8101));
        assertEquals(413, tooLarge.statusCode());
        assertTrue(tooLarge.body().contains("at most 8100 bytes"), tooLarge.body());
        // Just under the payload limit, but over the node's limit once the MessagePack header is added.
        assertEquals(413, putText("/dht/name/big", "x".repeat(8099)).statusCode());
        HttpResponse<String> json = send(request("/dht/name/k").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(415, json.statusCode());
        HttpResponse<String> latin1 = send(request("/dht/name/k").header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xe9, 'a'})));
        assertEquals(400, latin1.statusCode());
        assertTrue(latin1.body().contains("UTF-8"), latin1.body());
        assertEquals(405, send(request("/dht/name/k").DELETE()).statusCode());
        assertEquals(404, send(request("/..%2F..%2Fetc%2Fpasswd")).statusCode());
        assertEquals(404, send(request("/../pom.xml")).statusCode());
        assertFalse(node.localValue(NodeId.digestOf("k")).isPresent(), "nothing was stored by the refused puts");
    }

    @Test
    void aClientOverItsRateGets429WithRetryAfter() throws Exception {
        start(1, 3, 16, 8, List.of());
        int refused = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 6; i++) {
            last = send(request("/dht/name/rate"));
            if (last.statusCode() == 429) {
                refused++;
                assertEquals(Optional.of("1"), last.headers().firstValue("Retry-After"));
            }
        }
        assertTrue(refused >= 2, "6 requests at once with a burst of 3 and 1/s: " + refused + " refused");
    }

    /**
     * The page's own files are not counted against the request rate: a short-code page loads about 30 at once,
     * and a module refused with 429 stops the page (browsers do not retry it). The API still is.
     */
    @Test
    void thePagesFilesAreNotCountedAgainstTheRate() throws Exception {
        start(1, 3, 16, 8, List.of());
        for (int i = 0; i < 40; i++) {
            String file = i % 2 == 0 ? "/app.js" : "/vendor/noble-curves/nist.js";
            assertEquals(200, send(request(file)).statusCode(), "page file " + i + ", " + file);
        }
        int refused = 0;
        for (int i = 0; i < 6; i++) {
            refused += send(request("/dht/name/rate")).statusCode() == 429 ? 1 : 0;
            refused += send(request("/ice-servers")).statusCode() == 429 ? 1 : 0;
        }
        assertTrue(refused >= 4, "12 API requests at once with a burst of 3 and 1/s: " + refused + " refused");
    }

    @Test
    void waitsAreLimitedPerClientAndInTotal() throws Exception {
        start(0, 0, 16, 1, List.of());
        // The probes wait on a key that has a value, so one that is let in ends at once and frees its slot.
        putText("/dht/name/w2", "present");
        HttpRequest held = request("/dht/name/w").header("Prefer", "wait=30").build();
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<HttpResponse<String>>> first =
                new java.util.concurrent.atomic.AtomicReference<>(http.sendAsync(held, HttpResponse.BodyHandlers.ofString()));
        // The first wait is registered once its request has arrived; until then a probe may pass, and a probe
        // in flight may make the first one be refused, so it is sent again.
        java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> second = new java.util.concurrent.atomic.AtomicReference<>();
        Await.until("a second wait to be refused", Duration.ofSeconds(30), () -> {
            try {
                if (first.get().isDone() && first.get().join().statusCode() == 429) {
                    first.set(http.sendAsync(held, HttpResponse.BodyHandlers.ofString()));
                }
                second.set(send(request("/dht/name/w2").header("Prefer", "wait=1")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return second.get().statusCode() == 429;
        });
        assertTrue(second.get().body().contains("127.0.0.1 already holds 1 waits"), second.get().body());
        putText("/dht/name/w", "done");
        assertEquals(200, first.get().get(30, TimeUnit.SECONDS).statusCode());
        // The finished wait was given back.
        assertEquals(304, send(request("/dht/name/w").header("Prefer", "wait=1")
                .header("If-None-Match", first.get().get().headers().firstValue("ETag").orElseThrow())).statusCode());
    }

    @Test
    void foreignPagesAreRefusedUnlessTheirOriginIsAllowed() throws Exception {
        start(0, 0, 16, 8, List.of("https://peers.example"));
        HttpResponse<String> foreign = putText("/dht/name/o", "x", "Origin", "https://evil.example");
        assertEquals(403, foreign.statusCode());
        assertFalse(node.localValue(NodeId.digestOf("o")).isPresent());
        HttpResponse<String> allowed = putText("/dht/name/o", "x", "Origin", "https://peers.example");
        assertEquals(204, allowed.statusCode());
        assertEquals(Optional.of("https://peers.example"), allowed.headers().firstValue("Access-Control-Allow-Origin"));
        HttpResponse<String> preflight = send(request("/dht/name/o").header("Origin", "https://peers.example")
                .header("Access-Control-Request-Method", "PUT").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertEquals(204, preflight.statusCode());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().contains("If-None-Match"));
        HttpResponse<String> own = putText("/dht/name/o", "y", "Origin", "http://127.0.0.1:" + gateway.address().getPort());
        assertEquals(204, own.statusCode(), "the page the gateway serves itself may always use it");
    }

    @Test
    void thePageIsServedWithAPolicyThatAllowsNothingFromElsewhere() throws Exception {
        start();
        HttpResponse<String> page = send(request("/"));
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\">"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), csp);
        for (String module : List.of("app.js", "gateway.js", "formats.js", "signaling.js", "conversation.js", "crypto.js",
                "shortcode.js", "pake.js", "style.css")) {
            HttpResponse<String> r = send(request("/" + module));
            assertEquals(200, r.statusCode(), module);
            assertFalse(r.body().contains("http://") || r.body().contains("https://"), module + " loads nothing from elsewhere");
        }
        // The vendored libraries import one another only by relative paths and the import map's one name.
        for (String module : List.of("vendor/noble-curves/nist.js", "vendor/noble-curves/abstract/weierstrass.js",
                "vendor/noble-hashes/_md.js", "vendor/noble-ciphers/aes.js")) {
            HttpResponse<String> r = send(request("/" + module));
            assertEquals(200, r.statusCode(), module);
            java.util.regex.Matcher imports = java.util.regex.Pattern.compile("^(?:import|export)\\b[^;]*?\\bfrom\\s*[\"']([^\"']+)[\"']",
                    java.util.regex.Pattern.MULTILINE | java.util.regex.Pattern.DOTALL).matcher(r.body());
            int seen = 0;
            while (imports.find()) {
                seen++;
                String from = imports.group(1);
                assertTrue(from.startsWith("./") || from.startsWith("../") || from.startsWith("@noble/hashes/"),
                        module + " imports " + from);
            }
            assertTrue(seen > 0, module + " has imports to check");
        }
        assertTrue(csp.matches(".*script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}';.*"), "the import map, by its hash: " + csp);
        HttpResponse<String> words = send(request("/pgp-words.txt"));
        assertEquals(200, words.statusCode());
        assertTrue(words.body().contains("E5 topmost travesty"), "the peers' own word list");
        assertEquals(404, send(request("/vendor/../index.html")).statusCode());
        assertEquals(404, send(request("/vendor/noble-curves/LICENSE")).statusCode());
    }

    @Test
    void behindATrustedProxyTheForwardedAddressIsTheClientAndNobodyElsesHeaderCounts() throws Exception {
        start(o -> o.withTrustedProxies(List.of(InetAddress.getLoopbackAddress()))
                .withLimits(GatewayLimits.defaults().withRates(1, 2, 100, 100)));
        HttpResponse<String> last = null;
        for (int i = 0; i < 3; i++) {
            last = send(request("/dht/name/p").header("X-Forwarded-For", "192.0.2.1, 198.51.100.7"));
        }
        assertEquals(429, last.statusCode());
        assertTrue(last.body().contains("from 198.51.100.7"), last.body());
        // Another client behind the same proxy has its own allowance.
        assertEquals(404, send(request("/dht/name/p").header("X-Forwarded-For", "203.0.113.9")).statusCode());
    }

    @Test
    void withoutATrustedProxyForwardedForIsIgnored() throws Exception {
        start(o -> o.withLimits(GatewayLimits.defaults().withRates(1, 2, 100, 100)));
        HttpResponse<String> last = null;
        for (int i = 0; i < 3; i++) {
            last = send(request("/dht/name/p").header("X-Forwarded-For", "198.51.100." + i));
        }
        assertEquals(429, last.statusCode(), "a client cannot pick a new address per request");
        assertTrue(last.body().contains("from 127.0.0.1"), last.body());
    }
}
