package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.ProgramProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dht-server --http} as a real process; and without it, no HTTP class is even loaded. */
class GatewayProcessIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Pattern GATEWAY = Pattern.compile("HTTP gateway and web page on (http://127\\.0\\.0\\.1:\\d+/)");

    @Test
    void servesThePageAndTheApiAndStopsCleanly() throws Exception {
        try (ProgramProcess server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--http", "0")) {
            DhtServerProcessIT.readyPort(server);
            Matcher m = GATEWAY.matcher(server.awaitLine("the gateway line", START, l -> GATEWAY.matcher(l).matches()));
            assertTrue(m.matches());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(m.group(1))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>DHT peer</title>"));
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "dht/name/webrtc-offer"))
                    .header("Content-Type", "text/plain; charset=utf-8").PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, put.statusCode(), put.body());
            server.terminate();
            int code = server.awaitExit(Duration.ofSeconds(20));
            assertTrue(code == 0 || code == 143, "exit code after SIGTERM: " + code + "\n" + server.transcript());
            assertFalse(server.stderr().contains("Exception"), server.transcript());
        }
    }

    @Test
    void withoutHttpNoGatewayOrHttpServerClassIsLoaded(@TempDir Path dir) throws Exception {
        Path classes = dir.resolve("classes.log");
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes);
        try (ProgramProcess server = ProgramProcess.start("dht-server", env, "--port", "0", "--bind", "127.0.0.1")) {
            DhtServerProcessIT.readyPort(server);
            String loaded = Files.readString(classes);
            assertTrue(loaded.contains("dev.dhtsignal.server.DhtServerCommand"), "the log lists our classes");
            assertFalse(loaded.contains("io.netty."), "the HTTP server library was loaded");
            assertFalse(loaded.contains("dev.dhtsignal.server.http."), "a gateway class was loaded");
            assertFalse(loaded.contains("dev.dhtsignal.server.GatewayLauncher"), "the gateway launcher was loaded");
        }
    }

    @Test
    void aTakenOrBadHttpPortEndsWithAClearMessage() throws Exception {
        try (ProgramProcess first = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--http", "0")) {
            DhtServerProcessIT.readyPort(first);
            Matcher m = GATEWAY.matcher(first.awaitLine("the gateway line", START, l -> GATEWAY.matcher(l).matches()));
            assertTrue(m.matches());
            int taken = URI.create(m.group(1)).getPort();
            try (ProgramProcess second = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1",
                    "--http", String.valueOf(taken))) {
                assertEquals(1, second.awaitExit(START), second.transcript());
                assertTrue(second.stderr().contains("cannot serve HTTP on 127.0.0.1:" + taken), second.transcript());
            }
        }
        try (ProgramProcess proxy = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--http", "0",
                "--http-trust-proxy", "proxy.example")) {
            assertEquals(1, proxy.awaitExit(START), proxy.transcript());
            assertTrue(proxy.stderr().contains("dht-server: cannot serve HTTP on 127.0.0.1:0: --http-trust-proxy takes an IP address, "
                    + "got 'proxy.example'"), proxy.transcript());
        }
        try (ProgramProcess bad = ProgramProcess.start("dht-server", "--http", "70000")) {
            assertEquals(2, bad.awaitExit(START), bad.transcript());
            assertTrue(bad.stderr().startsWith("dht-server: --http must be in 0..65535"), bad.transcript());
        }
    }
}
