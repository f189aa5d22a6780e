package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.Await;
import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 19 on {@code dht-server --http}, each against a real process over real sockets,
 * with an honest client beside the attacker: what the honest client must still get. The attackers play
 * other addresses and networks of 127.0.0.0/8; the honest client is 127.0.0.1.
 */
class GatewayAttacksIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final Pattern GATEWAY = Pattern.compile("HTTP gateway and web page on (http://127\\.0\\.0\\.1:\\d+/)");

    private ProgramProcess server;
    private final List<RawHttp> connections = new ArrayList<>();

    private int start(String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--bind", "127.0.0.1", "--http", "0"));
        args.addAll(List.of(options));
        server = ProgramProcess.start("dht-server", args.toArray(String[]::new));
        DhtServerProcessIT.readyPort(server);
        Matcher m = GATEWAY.matcher(server.awaitLine("the gateway line", START, l -> GATEWAY.matcher(l).matches()));
        assertTrue(m.matches());
        return URI.create(m.group(1)).getPort();
    }

    private RawHttp connect(String from, int port) throws IOException {
        RawHttp c = new RawHttp(from, port);
        connections.add(c);
        return c;
    }

    @AfterEach
    void stop() throws IOException {
        for (RawHttp c : connections) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void threeHundredSlowOrIdleConnectionsDoNotKeepAnHonestClientWaiting() throws Exception {
        int port = start();
        List<RawHttp> slow = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // Ten networks of 30 connections each: within the per-address and per-network caps, so all are held.
            RawHttp c = connect("127.1." + (i % 10 + 1) + ".1", port);
            if (i % 2 == 0) {
                c.send("GET /dht/name/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // half a request, then nothing
            }
            slow.add(c);
        }
        RawHttp honest = connect("127.0.0.1", port);
        RawHttp.Answer page = honest.exchange(RawHttp.get(port, "/"), Duration.ofSeconds(8));
        assertEquals(200, page.status());
        assertEquals(404, honest.exchange(RawHttp.get(port, "/dht/name/slow"), Duration.ofSeconds(8)).status());
        long stillOpen = slow.stream().filter(c -> {
            try {
                return !c.closedWithin(Duration.ofMillis(1));
            } catch (IOException e) {
                return false;
            }
        }).count();
        assertTrue(stillOpen >= 250, "the slow connections were still held while the honest client was served: " + stillOpen);
    }

    @Test
    void halfARequestIsClosedAfterTheRequestTimeLimit() throws Exception {
        int port = start();
        RawHttp slow = connect("127.0.0.3", port);
        slow.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: a");
        assertTrue(slow.closedWithin(Duration.ofSeconds(40)), "a connection that never finishes its request is closed");
    }

    @Test
    void connectionsFromOneAddressAreCapped() throws Exception {
        int port = start();
        List<RawHttp> many = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            many.add(connect("127.0.0.4", port));
        }
        Await.until("connections over the per-address cap of 64 to be closed", Duration.ofSeconds(20), () ->
                many.stream().filter(c -> {
                    try {
                        return c.closedWithin(Duration.ofMillis(20));
                    } catch (IOException e) {
                        return true;
                    }
                }).count() >= 6);
        assertEquals(200, connect("127.0.0.1", port).exchange(RawHttp.get(port, "/"), ANSWER).status(), "another address is served");
    }

    @Test
    void aRequestNamingAForeignHostIsRefusedSoDnsRebindingCannotWrite() throws Exception {
        int port = start("--http-host", "dht.example.org");
        String put = "PUT /dht/name/rebound HTTP/1.1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1\r\n";
        RawHttp attacker = connect("127.0.0.1", port);
        RawHttp.Answer refused = attacker.exchange(put + "Host: attacker.example:" + port + "\r\nOrigin: http://attacker.example:"
                + port + "\r\n\r\nx", ANSWER);
        assertEquals(421, refused.status(), refused.body());
        assertTrue(refused.body().contains("--http-host attacker.example") && refused.body().indexOf('\n') == refused.body().length() - 1,
                refused.body());
        RawHttp honest = connect("127.0.0.1", port);
        assertEquals(404, honest.exchange(RawHttp.get(port, "/dht/name/rebound"), ANSWER).status(), "nothing was stored");
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "dht.example.org")) {
            RawHttp.Answer ok = connect("127.0.0.1", port).exchange(put + "Host: " + host + "\r\n\r\nx", ANSWER);
            assertEquals(204, ok.status(), host + ": " + ok.body());
        }
    }

    @Test
    void oneNetworkCannotTakeEveryLongPoll() throws Exception {
        int port = start("--http-rate", "0");
        // Eight addresses of one /24, 32 long-polls each: the whole total of the gateway before, only this
        // network's share now.
        for (int a = 1; a <= 8; a++) {
            for (int i = 0; i < 32; i++) {
                connect("127.2.0." + a, port).send(RawHttp.get(port, "/dht/name/held", "Prefer: wait=30\r\n"));
            }
        }
        // Held once one more from that network is refused (its long-poll, or its connection).
        Await.until("the attacker's long-polls to be held", Duration.ofSeconds(30), () -> {
            try {
                int status = connect("127.2.0.9", port).exchange(RawHttp.get(port, "/dht/name/held", "Prefer: wait=1\r\n"), ANSWER).status();
                return status == 429 || status == 503;
            } catch (IOException closed) {
                return true;
            }
        });
        RawHttp.Answer honest = connect("127.0.0.1", port).exchange(RawHttp.get(port, "/dht/name/other", "Prefer: wait=1\r\n"), ANSWER);
        assertEquals(404, honest.status(), "an honest client's long-poll is held and ends without a value: " + honest.body());
    }

    @Test
    void aClosedLongPollGivesBackItsPlaceSoAReloadingPageIsNotLockedOut() throws Exception {
        int port = start();
        List<RawHttp> page = new ArrayList<>();
        RawHttp.Answer refusal = null;
        for (int i = 0; i < 40 && refusal == null; i++) {
            RawHttp c = connect("127.0.0.5", port);
            c.send(RawHttp.get(port, "/dht/name/reload", "Prefer: wait=30\r\n"));
            page.add(c);
            try {
                refusal = c.read(Duration.ofMillis(500));  // held ones have no answer yet
            } catch (java.net.SocketTimeoutException held) {
                // held, as wanted
            }
        }
        assertEquals(429, refusal == null ? 0 : refusal.status(), "this address's long-polls reach their cap");
        // The others are held. The page reloads: all its connections close.
        for (RawHttp c : page) {
            c.close();
        }
        Await.until("a new long-poll from the reloaded page to be held", Duration.ofSeconds(10), () -> {
            try (RawHttp probe = new RawHttp("127.0.0.5", port)) {
                RawHttp.Answer a = probe.exchange(RawHttp.get(port, "/dht/name/reload", "Prefer: wait=1\r\n"), ANSWER);
                return a.status() == 404;  // held for its second, then no value
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void refusalsToAnAllowedPageCarryCorsHeaders() throws Exception {
        int port = start("--http-allow-origin", "https://peers.example", "--http-rate", "1");
        String origin = "Origin: https://peers.example\r\n";
        RawHttp page = connect("127.0.0.1", port);
        RawHttp.Answer last = null;
        for (int i = 0; i < 10 && (last == null || last.status() != 429); i++) {
            last = page.exchange(RawHttp.get(port, "/dht/name/cors", origin), ANSWER);
        }
        assertEquals(429, last.status());
        assertEquals("https://peers.example", last.header("Access-Control-Allow-Origin"));
        assertTrue(last.header("Access-Control-Expose-Headers").contains("Retry-After"));
        assertEquals("1", last.header("Retry-After"));

        RawHttp.Answer tooLong = connect("127.0.0.6", port).exchange(RawHttp.get(port, "/dht/name/" + "x".repeat(3000), origin), ANSWER);
        assertEquals(414, tooLong.status());
        assertEquals("https://peers.example", tooLong.header("Access-Control-Allow-Origin"));
    }

    @Test
    void malformedRequestsGetALineOfTextAndMalformedNamesAreRefused() throws Exception {
        int port = start();
        List<String> malformed = List.of(
                "PUT /dht/name/m HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: abc\r\n\r\nx",
                "PUT /dht/name/m HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n",
                "GET /dht/name/m HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /dht/name/%FF HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /dht/name/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        for (String request : malformed) {
            RawHttp.Answer a = connect("127.0.0.1", port).exchange(request, ANSWER);
            String first = request.substring(0, request.indexOf('\r'));
            assertTrue(a.status() == 400 || a.status() == 505, first + ": " + a.status());
            assertTrue(a.header("Content-Type").startsWith("text/plain"), first + ": " + a.header("Content-Type"));
            assertFalse(a.body().contains("<"), first + ": " + a.body());
            assertEquals(a.body().length() - 1, a.body().indexOf('\n'), first + ": one line: " + a.body());
        }
        // Three different malformed names used to be one key.
        for (String name : List.of("%FF", "%FE", "%ED%A0%80", "%C0%AF")) {
            RawHttp.Answer a = connect("127.0.0.1", port).exchange("PUT /dht/name/" + name
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1\r\n\r\nx", ANSWER);
            assertEquals(400, a.status(), name + ": " + a.body());
            assertTrue(a.body().contains("not UTF-8"), a.body());
        }
        assertEquals(404, connect("127.0.0.1", port).exchange(RawHttp.get(port, "/dht/name/%EF%BF%BD"), ANSWER).status(),
                "nothing was stored under U+FFFD");
    }

    @Test
    void answersOnAKeptAliveConnectionDoNotWaitForTheClientsDelayedAcknowledgement() throws Exception {
        int port = start("--http-rate", "0");
        RawHttp c = connect("127.0.0.1", port);
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertEquals(404, c.exchange(RawHttp.get(port, "/dht/name/latency"), ANSWER).status());
            fastest = Math.min(fastest, System.nanoTime() - t0);
        }
        // Held back by Nagle's algorithm, every answer waits for the client's delayed ACK (40 ms on Linux): then
        // even the fastest of 20 takes that long, however idle the machine. Load only slows the others.
        assertTrue(fastest < 20_000_000L, "fastest answer on a kept-alive connection: " + fastest / 1_000_000.0 + " ms");
    }
}
