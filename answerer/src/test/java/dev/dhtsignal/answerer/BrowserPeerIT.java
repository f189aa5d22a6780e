package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.testing.Transcripts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web page that dht-server serves, in real headless Chromium (Debian's), meeting the Java peers and
 * other browsers through the gateway: browser offerer with Java answerer, Java offerer with browser
 * answerer, and browser with browser, each plain and sealed. The browsers are driven by
 * {@code web-tests/drive-page.mjs} (playwright-core); a screenshot of every page after connecting is saved
 * under {@code target/browser/}.
 *
 * <p>How the browsers connect on this machine: Chromium hides its addresses behind mDNS names in ICE
 * candidates, as users' browsers do, and every page here runs with that default except one browser pair
 * (plain browser-to-browser) that turns it off ({@code --disable-features=WebRtcHideLocalIpsWithMdns}).
 * The Java peers cannot resolve mDNS names; they connect through the peer-reflexive path (the browser's
 * checks reach the Java peer's host candidate, which reveals the browser's address). The driver reports the
 * candidate pair each page uses.
 *
 * <p>Needs chromium, node and {@code web-tests/node_modules} (scripts/setup.sh installs them). Without them
 * the test is skipped with the reason, unless {@code -Dbrowser.tests=required} (scripts/test.sh), where it fails.
 */
class BrowserPeerIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration DRIVER_LIMIT = Duration.ofMinutes(4);
    private static final Pattern GATEWAY = Pattern.compile("HTTP gateway and web page on (http://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ProgramProcess server;
    private static String dht;
    private static String url;
    private static Path work;
    private static Path webTests;

    @BeforeAll
    static void startServer() throws IOException {
        Path root = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
        webTests = root.resolve("web-tests");
        String missing = !Files.isExecutable(Path.of(chromium())) ? "chromium (" + chromium() + ")"
                : !onPath("node") ? "node"
                : !Files.isDirectory(webTests.resolve("node_modules/playwright-core")) ? "web-tests/node_modules (npm ci)"
                : null;
        if (missing != null) {
            String why = missing + " is missing; scripts/setup.sh installs it";
            if ("required".equals(System.getProperty("browser.tests"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        work = Path.of("target", "browser").toAbsolutePath();
        Files.createDirectories(work);
        server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--http", "0");
        int port = Integer.parseInt(server.awaitLine("the ready line", START,
                l -> l.startsWith("DHT Server running on port ")).replaceAll("\\D", ""));
        dht = "127.0.0.1:" + port;
        Matcher m = GATEWAY.matcher(server.awaitLine("the gateway line", START, l -> GATEWAY.matcher(l).matches()));
        assertTrue(m.matches());
        url = m.group(1);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    static String chromium() {
        String env = System.getenv("CHROMIUM");
        return env != null ? env : "/usr/bin/chromium";
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** A file of random bytes and its SHA-256, to send. */
    private record TestFile(Path path, String sha256) {
        static TestFile create(String name, int size, long seed) throws Exception {
            byte[] bytes = new byte[size];
            new Random(seed).nextBytes(bytes);
            Path p = work.resolve(name);
            Files.write(p, bytes);
            return new TestFile(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }

        ObjectNode expectation() {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", path.getFileName().toString());
            o.put("sha256", sha256);
            return o;
        }
    }

    private static ObjectNode page(String name, String role, String mode) {
        ObjectNode p = JSON.createObjectNode();
        p.put("role", role);
        p.put("mode", mode);
        p.put("screenshot", work.resolve(name + ".png").toString());
        p.put("timeoutSeconds", 120);
        return p;
    }

    /** Runs the driver over the pages and returns its events; fails with everything it printed otherwise. */
    private static List<JsonNode> drive(List<ObjectNode> pages, List<ProgramProcess> others) throws Exception {
        ObjectNode scenario = JSON.createObjectNode();
        scenario.put("url", url);
        scenario.put("chromium", chromium());
        scenario.put("timeoutMs", 150_000);
        ArrayNode list = scenario.putArray("pages");
        pages.forEach(list::add);
        Path file = Files.createTempFile(work, "scenario", ".json");
        Files.writeString(file, JSON.writeValueAsString(scenario));
        Process driver = new ProcessBuilder("node", "drive-page.mjs", file.toString())
                .directory(webTests.toFile()).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(driver.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the driver ended
            }
        });
        reader.start();
        try {
            if (!driver.waitFor(DRIVER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                driver.descendants().forEach(ProcessHandle::destroyForcibly);
                driver.destroyForcibly();
                reader.join(5_000);
                throw new AssertionError("the browser driver did not finish within " + DRIVER_LIMIT.toSeconds() + " s:\n" + out);
            }
            reader.join(10_000);
            if (driver.exitValue() != 0) {
                StringBuilder all = new StringBuilder("the browser driver failed:\n").append(out);
                others.forEach(p -> all.append('\n').append(p.transcript()));
                all.append('\n').append(server.transcript());
                throw new AssertionError(all.toString());
            }
        } finally {
            driver.destroyForcibly();
        }
        List<JsonNode> events = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("{")) {
                events.add(JSON.readTree(line));
            }
        }
        System.out.println(out);
        return events;
    }

    private static ProgramProcess startJava(String program, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--dht", dht, "--connect-timeout", "60s", "--timeout", "120s"));
        all.addAll(List.of(args));
        return ProgramProcess.start(program, all.toArray(String[]::new));
    }

    private static void assertConnected(List<JsonNode> events, int page) {
        assertTrue(events.stream().anyMatch(e -> e.path("page").asInt(-1) == page && e.path("event").asText().equals("connected")),
                "page " + page + " did not connect: " + events);
        assertTrue(events.stream().anyMatch(e -> e.path("page").asInt(-1) == page && e.path("event").asText().equals("screenshot")),
                "no screenshot of page " + page);
    }

    @Test
    void browsersMeetJavaPeersPlainAndSealed() throws Exception {
        List<ProgramProcess> java = new ArrayList<>();
        try {
            // Browser offers, Java answers: plain (keys of their own, so the cases run at once) and sealed.
            java.add(startJava("answerer", "--offer-key", "bj-offer", "--answer-key", "bj-answer"));
            ObjectNode p0 = page("browser-offerer-java-answerer-plain", "offer", "plain");
            p0.put("offerKey", "bj-offer");
            p0.put("answerKey", "bj-answer");
            java.add(startJava("answerer", "--session", "BJ5E-A1ED-0001"));
            ObjectNode p1 = page("browser-offerer-java-answerer-sealed", "offer", "session");
            p1.put("code", "bj5e-a1ed-0001");
            // Java offers, browser answers.
            java.add(startJava("offerer", "--offer-key", "jb-offer", "--answer-key", "jb-answer"));
            ObjectNode p2 = page("java-offerer-browser-answerer-plain", "answer", "plain");
            p2.put("offerKey", "jb-offer");
            p2.put("answerKey", "jb-answer");
            java.add(startJava("offerer", "--secret", "correct horse battery staple"));
            ObjectNode p3 = page("java-offerer-browser-answerer-sealed", "answer", "secret");
            p3.put("secret", "correct horse battery staple");

            // On a busy machine four JVMs take a while to load WebRTC; the pages start once the Java side is up.
            for (ProgramProcess p : java) {
                p.awaitLine("its first step", Duration.ofSeconds(90),
                        l -> l.equals("Waiting for Offer SDP in DHT...") || l.equals("Offer SDP stored in DHT."));
            }
            List<JsonNode> events = drive(List.of(p0, p1, p2, p3), java);
            for (int i = 0; i < 4; i++) {
                assertConnected(events, i);
            }
            for (int i = 0; i < 2; i++) {
                ProgramProcess answerer = java.get(i);
                answerer.awaitLine("its transcript", START, l -> l.equals(Transcripts.ANSWERER.get(Transcripts.ANSWERER.size() - 1)));
                assertEquals(Transcripts.ANSWERER, answerer.stdoutLines().subList(0, Transcripts.ANSWERER.size()), answerer.transcript());
            }
            for (int i = 2; i < 4; i++) {
                ProgramProcess offerer = java.get(i);
                offerer.awaitLine("its transcript", START, l -> l.equals(Transcripts.OFFERER.get(Transcripts.OFFERER.size() - 1)));
                assertEquals(Transcripts.OFFERER, offerer.stdoutLines().subList(0, Transcripts.OFFERER.size()), offerer.transcript());
            }
        } finally {
            java.forEach(ProgramProcess::close);
        }
    }

    @Test
    void browsersMeetEachOtherPlainAndSealedWithChatAndAFile() throws Exception {
        TestFile a = TestFile.create("from-browser-a.bin", 300_000, 1);
        TestFile b = TestFile.create("from-browser-b.bin", 70_000, 2);
        // Plain, with Chromium's mDNS hiding of local addresses turned off (host candidates).
        ObjectNode p0 = page("browser-offerer-browser-answerer-plain", "offer", "plain");
        ObjectNode p1 = page("browser-answerer-plain", "answer", "plain");
        for (ObjectNode p : List.of(p0, p1)) {
            p.put("offerKey", "bb-offer");
            p.put("answerKey", "bb-answer");
            p.put("hideLocalIps", false);
        }
        // Sealed, with the hiding on, as in users' browsers.
        ObjectNode p2 = page("browser-offerer-browser-answerer-sealed", "offer", "session");
        ObjectNode p3 = page("browser-answerer-sealed", "answer", "session");
        p2.put("code", "BB5E-A1ED-0002");
        p3.put("code", "bb5e a1ed 0002");
        for (int pair = 0; pair < 2; pair++) {
            ObjectNode offer = pair == 0 ? p0 : p2;
            ObjectNode answer = pair == 0 ? p1 : p3;
            offer.put("send", "hello from the offering browser " + pair);
            answer.put("expect", "hello from the offering browser " + pair);
            answer.put("send", "hello from the answering browser " + pair);
            offer.put("expect", "hello from the answering browser " + pair);
            offer.put("sendFile", a.path().toString());
            answer.set("expectFile", a.expectation());
            answer.put("sendFile", b.path().toString());
            offer.set("expectFile", b.expectation());
        }
        List<JsonNode> events = drive(List.of(p0, p1, p2, p3), List.of());
        for (int i = 0; i < 4; i++) {
            assertConnected(events, i);
            int page = i;
            for (String wanted : List.of("received", "file-delivered", "file-received")) {
                assertTrue(events.stream().anyMatch(e -> e.path("page").asInt(-1) == page && e.path("event").asText().equals(wanted)),
                        "page " + page + " has no '" + wanted + "' event: " + events);
            }
        }
    }
}
