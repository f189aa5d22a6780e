package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Map;
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
        // phone.test: the name a page reaches the gateway by in the short-code case that stands for a phone
        // (mapped to 127.0.0.1 in that page's Chromium; a plain http:// name is not a secure context).
        server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1", "--http", "0",
                "--http-host", "phone.test");
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

    /** A driver run that the test talks to while it runs: its events as they come, and its end. */
    private static final class LiveDriver {
        final Process process;
        final List<String> lines = new ArrayList<>();
        final Thread reader;

        LiveDriver(List<ObjectNode> pages) throws IOException {
            ObjectNode scenario = JSON.createObjectNode();
            scenario.put("url", url);
            scenario.put("chromium", chromium());
            scenario.put("timeoutMs", 150_000);
            ArrayNode list = scenario.putArray("pages");
            pages.forEach(list::add);
            Path file = Files.createTempFile(work, "scenario", ".json");
            Files.writeString(file, JSON.writeValueAsString(scenario));
            process = new ProcessBuilder("node", "drive-page.mjs", file.toString())
                    .directory(webTests.toFile()).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // the driver ended
                }
            });
            reader.start();
        }

        JsonNode awaitEvent(String event, Duration limit) throws Exception {
            long deadline = System.nanoTime() + limit.toNanos();
            synchronized (lines) {
                for (int seen = 0; ; ) {
                    for (; seen < lines.size(); seen++) {
                        if (lines.get(seen).startsWith("{") && JSON.readTree(lines.get(seen)).path("event").asText().equals(event)) {
                            return JSON.readTree(lines.get(seen));
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                        throw new AssertionError("the browser driver did not report '" + event + "':\n" + String.join("\n", lines));
                    }
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left, 200_000_000L))));
                }
            }
        }

        List<JsonNode> finish(List<ProgramProcess> others) throws Exception {
            try {
                if (!process.waitFor(DRIVER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("the browser driver did not finish:\n" + String.join("\n", lines));
                }
                reader.join(10_000);
                String out;
                synchronized (lines) {
                    out = String.join("\n", lines);
                }
                System.out.println(out);
                if (process.exitValue() != 0) {
                    StringBuilder all = new StringBuilder("the browser driver failed:\n").append(out);
                    others.forEach(p -> all.append('\n').append(p.transcript()));
                    throw new AssertionError(all.toString());
                }
                List<JsonNode> events = new ArrayList<>();
                for (String line : out.split("\n")) {
                    if (line.startsWith("{")) {
                        events.add(JSON.readTree(line));
                    }
                }
                return events;
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    /**
     * Short codes between the page and the Java peers, both ways. A Java offerer's code reaches a page as the
     * link it prints, opened on a "phone": a page reached by name over plain http://, which browsers do not
     * give WebCrypto (not a secure context), so the page's key exchange and sealing run on the vendored
     * libraries there. A page's code reaches a Java answerer as a person reads it off the page; that page is
     * on 127.0.0.1 and uses WebCrypto.
     */
    @Test
    void shortCodesWorkBetweenThePageAndTheJavaPeersBothWays() throws Exception {
        Pattern codeLine = Pattern.compile("Session code: (\\d+-[a-z]+-[a-z]+)");
        ProgramProcess javaOfferer = startJava("offerer", "--session", "--page", url);
        String code = javaOfferer.awaitLine("the session code", Duration.ofMinutes(3), l -> codeLine.matcher(l).matches())
                .substring("Session code: ".length());
        // The printed link, with its host replaced: it names this machine's address for another device, and the
        // test's "phone" reaches the gateway by name (its own address is the machine's loopback here).
        String printed = javaOfferer.awaitLine("the link", START, l -> l.startsWith("Or open on the other device: "))
                .substring("Or open on the other device: ".length());
        String port = url.replaceAll(".*:(\\d+)/?$", "$1");
        assertTrue(printed.matches("http://[^/]+:" + port + "/#" + code), printed);
        String link = printed.replaceFirst("//[^/]+:", "//phone.test:");
        ObjectNode phone = page("java-offerer-browser-answerer-short-code-link", "answer", "session");
        phone.put("url", link);
        phone.put("linkOnly", true);
        phone.putArray("chromiumArgs").add("--host-resolver-rules=MAP phone.test 127.0.0.1");
        phone.put("send", "joined by the link");

        ObjectNode offering = page("browser-offerer-java-answerer-short-code", "offer", "session");
        offering.put("reportCode", true);
        offering.put("expect", "typed from the page's code");
        LiveDriver driver = new LiveDriver(List.of(phone, offering));
        JsonNode shown = driver.awaitEvent("code", Duration.ofMinutes(3));
        String pageCode = shown.path("code").asText();
        assertTrue(pageCode.matches("\\d+-[a-z]+-[a-z]+"), shown.toString());
        assertTrue(shown.path("link").asText().endsWith("/#" + pageCode), shown.toString());
        ProgramProcess javaAnswerer = startJava("answerer", "--session", pageCode);
        javaAnswerer.awaitLine("the greetings", Duration.ofMinutes(3), l -> l.startsWith("Received message on 'chat': "));
        javaAnswerer.stdin().write("typed from the page's code\n".getBytes(StandardCharsets.UTF_8));
        javaAnswerer.stdin().flush();
        List<JsonNode> events = driver.finish(List.of(javaOfferer, javaAnswerer));
        assertConnected(events, 0);
        assertConnected(events, 1);
        JsonNode phoneConnected = events.stream().filter(e -> e.path("page").asInt(-1) == 0
                && e.path("event").asText().equals("connected")).findFirst().orElseThrow();
        assertFalse(phoneConnected.path("secureContext").asBoolean(true), "the phone's page had no WebCrypto: " + phoneConnected);
        javaOfferer.awaitLine("the page's line", START, l -> l.equals("Received message from Peer B: joined by the link"));
        assertEquals(Transcripts.OFFERER, javaOfferer.stdoutLines().subList(3, 3 + Transcripts.OFFERER.size()), javaOfferer.transcript());
        assertEquals(Transcripts.ANSWERER, javaAnswerer.stdoutLines().subList(0, Transcripts.ANSWERER.size()), javaAnswerer.transcript());
        javaOfferer.close();
        javaAnswerer.close();
    }

    /**
     * The page keeps the Java peers' short-code rules against a third party (issue 19): {@code web-tests/pake-rules.mjs}
     * drives pages in Chromium through this gateway and plays the attacker beside them, writing what anyone may write
     * at the nameplates. One line per scenario: squatted nameplates with far expiries (codes stay short, an agreed code
     * keeps its nameplate), a claim written over the page's once its code is shown (the page keeps its code), one guess
     * per code on each side (a reloaded page refuses a code it tried, however the marker was erased), a refused write
     * taken as a busy nameplate, and an offering page's wait of at most 10 minutes.
     */
    @Test
    void thePageKeepsTheShortCodeRulesAgainstAThirdParty() throws Exception {
        Process rules = new ProcessBuilder("node", "pake-rules.mjs", url).directory(webTests.toFile()).redirectErrorStream(true).start();
        rules.getOutputStream().close();
        String out;
        try {
            java.util.concurrent.CompletableFuture<String> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "reading the output failed: " + e.getMessage();
                }
            });
            assertTrue(rules.waitFor(DRIVER_LIMIT.toMillis() * 2, TimeUnit.MILLISECONDS), "pake-rules.mjs did not finish");
            out = read.get(30, TimeUnit.SECONDS);
        } finally {
            rules.descendants().forEach(ProcessHandle::destroyForcibly);
            rules.destroyForcibly();
        }
        System.out.println(out);
        List<String> scenarios = List.of("squat-far-expiry", "agreed-code-squatted", "displace", "answerer-one-guess",
                "answerer-marker", "offerer-one-guess", "busy-not-writable", "offer-wait-limit");
        for (String scenario : scenarios) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("{\"scenario\":\"" + scenario + "\",\"event\":\"passed\"")),
                    scenario + " did not pass:\n" + out + "\n" + server.transcript());
        }
        assertEquals(0, rules.exitValue(), out);
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

    /** One Java peer and the page that meets it. */
    private record JavaCase(String name, ProgramProcess java, ObjectNode page) {
        boolean javaOffers() {
            return page.path("role").asText().equals("answer");
        }
    }

    /**
     * Starts the Java side of a case and describes its page: {@code javaRole} offers or answers, plain under
     * keys of the case's own (so the cases run at once) or sealed with a session code or secret.
     */
    private static JavaCase javaCase(String javaRole, boolean sealed, String tag, String... extra) throws IOException {
        String pageRole = javaRole.equals("offerer") ? "answer" : "offer";
        String name = (pageRole.equals("offer") ? "browser-offerer-java-answerer-" : "java-offerer-browser-answerer-")
                + (sealed ? "sealed" : "plain") + "-" + tag;
        List<String> args = new ArrayList<>();
        ObjectNode page;
        if (!sealed) {
            page = page(name, pageRole, "plain");
            page.put("offerKey", tag + "-" + javaRole + "-offer");
            page.put("answerKey", tag + "-" + javaRole + "-answer");
            args.addAll(List.of("--offer-key", tag + "-" + javaRole + "-offer", "--answer-key", tag + "-" + javaRole + "-answer"));
        } else if (javaRole.equals("answerer")) {
            String code = (tag.equals("chat") ? "CH4T" : "F11E") + "-A1ED-000" + tag.length();
            page = page(name, pageRole, "session");
            page.put("code", code.toLowerCase(java.util.Locale.ROOT));  // typed as a person might
            args.addAll(List.of("--session", code));
        } else {
            page = page(name, pageRole, "secret");
            page.put("secret", "correct horse battery staple " + tag);
            args.addAll(List.of("--secret", "correct horse battery staple " + tag));
        }
        args.addAll(List.of(extra));
        return new JavaCase(name, startJava(javaRole, args.toArray(String[]::new)), page);
    }

    /** Starts the pages once every Java peer is up (on a busy machine, loading WebRTC takes a while). */
    private static List<JsonNode> driveWith(List<JavaCase> cases) throws Exception {
        for (JavaCase c : cases) {
            c.java().awaitLine("its first step", Duration.ofMinutes(3),
                    l -> l.equals("Waiting for Offer SDP in DHT...") || l.equals("Offer SDP stored in DHT."));
        }
        // The pages meeting Java peers share one Chromium (a context each): they stand for different people,
        // but nothing of them is shared, and one browser instead of four spares a busy machine.
        cases.forEach(c -> c.page().put("browser", "java-cases"));
        return drive(cases.stream().map(JavaCase::page).toList(), cases.stream().map(JavaCase::java).toList());
    }

    private static void assertOriginalTranscript(JavaCase c) {
        List<String> wanted = c.javaOffers() ? Transcripts.OFFERER : Transcripts.ANSWERER;
        c.java().awaitLine("its transcript", START, l -> l.equals(wanted.get(wanted.size() - 1)));
        assertEquals(wanted, c.java().stdoutLines().subList(0, wanted.size()), c.java().transcript());
    }

    private static String received(JavaCase c) {
        return c.javaOffers() ? "Received message from Peer B: " : "Received message on 'chat': ";
    }

    @Test
    void javaPeersAndBrowsersChatBothWaysPlainAndSealed() throws Exception {
        List<JavaCase> cases = new ArrayList<>();
        try {
            cases.add(javaCase("answerer", false, "chat"));
            cases.add(javaCase("answerer", true, "chat"));
            cases.add(javaCase("offerer", false, "chat"));
            cases.add(javaCase("offerer", true, "chat"));
            for (JavaCase c : cases) {
                c.page().put("send", "from the browser to " + c.name());
                c.page().put("expect", "from Java to " + c.name());
                // A person types a line into the Java peer once it is connected.
                Thread typist = new Thread(() -> {
                    assertOriginalTranscriptQuietly(c);
                    try {
                        c.java().stdin().write(("from Java to " + c.name() + "\n").getBytes(StandardCharsets.UTF_8));
                        c.java().stdin().flush();
                    } catch (IOException e) {
                        // the peer is gone; the page's wait for the line then fails the test
                    }
                }, "typist-" + c.name());
                typist.setDaemon(true);
                typist.start();
            }
            List<JsonNode> events = driveWith(cases);
            for (int i = 0; i < cases.size(); i++) {
                JavaCase c = cases.get(i);
                assertConnected(events, i);
                assertOriginalTranscript(c);
                c.java().awaitLine("the browser's line", START, l -> l.equals(received(c) + "from the browser to " + c.name()));
            }
        } finally {
            cases.forEach(c -> c.java().close());
        }
    }

    private static void assertOriginalTranscriptQuietly(JavaCase c) {
        try {
            List<String> wanted = c.javaOffers() ? Transcripts.OFFERER : Transcripts.ANSWERER;
            c.java().awaitLine("its transcript", Duration.ofMinutes(3), l -> l.equals(wanted.get(wanted.size() - 1)));
        } catch (AssertionError e) {
            // reported by the test's own assertions
        }
    }

    @Test
    void javaPeersAndBrowsersSwapFilesPlainAndSealed(@org.junit.jupiter.api.io.TempDir Path received) throws Exception {
        TestFile fromBrowser = TestFile.create("browser-to-java.bin", 300_000, 3);
        TestFile fromJava = TestFile.create("java-to-browser.bin", 200_000, 4);
        List<JavaCase> cases = new ArrayList<>();
        List<Path> inboxes = new ArrayList<>();
        try {
            for (boolean sealed : List.of(false, true)) {
                Path inbox = Files.createDirectories(received.resolve(sealed ? "sealed" : "plain"));
                inboxes.add(inbox);
                JavaCase receiver = javaCase("answerer", sealed, "file", "--receive", inbox.toString());
                receiver.page().put("sendFile", fromBrowser.path().toString());
                receiver.page().put("send", "a file is coming");
                cases.add(receiver);
                JavaCase sender = javaCase("offerer", sealed, "file", "--send", fromJava.path().toString());
                sender.page().set("expectFile", fromJava.expectation());
                // No line from this page: the sender exits once the page has confirmed the file, so a line sent
                // after that met a closed session ("The other peer left", Send disabled) and the driver's click timed
                // out whenever the file's delivery beat it (seen here: the plain page sent its line 231 ms before its
                // file landed, the sealed page found its session closed). The chat both ways is the chat test's.
                cases.add(sender);
            }
            List<JsonNode> events = driveWith(cases);
            for (int i = 0; i < cases.size(); i++) {
                JavaCase c = cases.get(i);
                assertConnected(events, i);
                assertOriginalTranscript(c);
                if (!c.javaOffers()) {
                    String line = c.page().path("send").asText();
                    c.java().awaitLine("the browser's line", START, l -> l.equals(received(c) + line));
                } else {
                    // The sender exits once the browser has confirmed the file (size and SHA-256).
                    assertEquals(0, c.java().awaitExit(Duration.ofSeconds(60)), c.java().transcript());
                    assertTrue(c.java().stdoutLines().stream().anyMatch(l -> l.startsWith("Sent file 'java-to-browser.bin'")),
                            c.java().transcript());
                }
            }
            for (Path inbox : inboxes) {
                Path got = inbox.resolve("browser-to-java.bin");
                assertTrue(Files.isRegularFile(got), "the Java peer kept the browser's file in " + inbox);
                assertEquals(fromBrowser.sha256(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(got))));
            }
        } finally {
            cases.forEach(c -> c.java().close());
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

    /**
     * A hostile peer, played by a real page through its own connection: its text reaches the other page's
     * screen with controls, bidi and format characters replaced by U+FFFD (ZWJ kept), and a line beyond
     * 1 MiB closes that session with the reason.
     */
    @Test
    void aHostilePeersTextIsShownSafelyAndItsOverlongLineClosesTheSession() throws Exception {
        ObjectNode hostile = page("hostile-offerer", "offer", "plain");
        ObjectNode victim = page("victim-answerer", "answer", "plain");
        for (ObjectNode p : List.of(hostile, victim)) {
            p.put("offerKey", "hostile-offer");
            p.put("answerKey", "hostile-answer");
            p.put("hideLocalIps", false);
            p.put("browser", "one");
        }
        ArrayNode messages = hostile.putArray("hostile");
        messages.add(JSON.writeValueAsString(Map.of("type", "line",
                "text", "evil\u202etxt.exe bell\u0007 sep\u2028 soft\u00ad bom\ufeff tab\tok \ud83d\udc69\u200d\ud83d\udcbb <b>bold</b>")));
        messages.add(JSON.writeValueAsString(Map.of("type", "file", "id", 1, "name", "invoice\u202efdp.exe", "size", 3)));
        hostile.put("awaitSignal", "victim-saw");
        hostile.put("hostileLongLine", 17);  // 1 105 000 characters
        ObjectNode shown = victim.putObject("expectShown");
        shown.put("chat", "evil\ufffdtxt.exe bell\ufffd sep\ufffd soft\ufffd bom\ufffd tab\tok \ud83d\udc69\u200d\ud83d\udcbb <b>bold</b>");
        shown.put("transfer", "invoice\ufffdfdp.exe");
        shown.put("transcript", "closed the connection: the other peer sent a line of more than 1048576 characters");
        victim.put("signal", "victim-saw");
        hostile.remove("screenshot");
        // A second pair: one message over 64 KiB.
        ObjectNode hostile2 = page("hostile-offerer-2", "offer", "plain");
        ObjectNode victim2 = page("victim-answerer-2", "answer", "plain");
        for (ObjectNode p : List.of(hostile2, victim2)) {
            p.put("offerKey", "hostile-offer-2");
            p.put("answerKey", "hostile-answer-2");
            p.put("hideLocalIps", false);
            p.put("browser", "two");
        }
        hostile2.putArray("hostile").add(JSON.writeValueAsString(Map.of("type", "line", "text", "y".repeat(70_000))));
        victim2.putObject("expectShown").put("transcript", "closed the connection: the other peer sent a message of 70025 bytes, more than 65536");
        hostile2.remove("screenshot");
        // The page that closes says why to the other side too (a 'close' message), which shows it.
        hostile2.putObject("expectShown").put("transcript", "the other peer closed the connection: you sent a message of 70025 bytes, more than 65536");
        List<JsonNode> events = drive(List.of(hostile, victim, hostile2, victim2), List.of());
        assertTrue(events.stream().anyMatch(e -> e.path("page").asInt(-1) == 2 && e.path("event").asText().equals("shown-transcript")),
                "the hostile page was told why: " + events);
        for (int victimPage : List.of(1, 3)) {
            assertTrue(events.stream().anyMatch(e -> e.path("page").asInt(-1) == victimPage && e.path("event").asText().equals("shown-transcript")
                    && e.path("state").asText().equals("closed")), "victim page " + victimPage + " closed that session: " + events);
        }
    }
}
