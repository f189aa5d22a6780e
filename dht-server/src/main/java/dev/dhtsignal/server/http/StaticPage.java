package dev.dhtsignal.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web page and its modules, from this jar's resources ({@code dev/dhtsignal/server/web/}). Only
 * plain file names with a known extension are looked up, so a path can never leave that folder.
 */
final class StaticPage {
    private static final String ROOT = "/dev/dhtsignal/server/web/";
    /**
     * A page file, or one of the vendored libraries' modules below {@code vendor/} (whose names may start with
     * an underscore, {@code _md.js}). No segment can be {@code ..}: each starts with a letter, digit or underscore.
     */
    private static final Pattern NAME = Pattern.compile(
            "(vendor/([a-z0-9_][a-z0-9_-]*/)*[a-z0-9_][a-z0-9_.-]*\\.js)|([a-z0-9][a-z0-9-]*\\.(html|js|css|png|svg|txt))");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "png", "image/png",
            "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");
    /**
     * Files the page shares with the Java peers, served from where the peers read them: the short codes' word
     * list, so the page and the programs can never disagree on a word.
     */
    private static final Map<String, String> SHARED = Map.of("pgp-words.txt", "/dev/dhtsignal/pake/pgp-words.txt");
    /** index.html's import map, the one inline script: it lets the vendored modules import each other by name. */
    private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);
    /**
     * Nothing but this gateway: no other site's scripts, styles, fonts or frames, and the API only here.
     * WebRTC itself is not governed by connect-src. The import map is allowed by its hash, nothing else inline.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self' " + importMapHash()
            + "; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    /** The files, read from the jar once each (a handful of small files), so that no request waits on the jar. */
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    void handle(Exchange ex, String path) {
        if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
            ex.responseHeaders().set("Allow", "GET, HEAD");
            ex.error(405, "the page is read-only");
            return;
        }
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!NAME.matcher(name).matches()) {
            ex.error(404, "no such page: " + (path.length() > 80 ? path.substring(0, 80) + "..." : path));
            return;
        }
        byte[] body = files.computeIfAbsent(name, StaticPage::read);
        if (body.length == 0) {
            ex.error(404, "no such page: " + path);
            return;
        }
        ex.responseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ex.responseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.responseHeaders().set("Referrer-Policy", "no-referrer");
        ex.responseHeaders().set("Cache-Control", "no-cache");
        ex.body(200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body);
    }

    /** The file's bytes; none when the jar has no such file (no page file is empty). */
    private static byte[] read(String name) {
        try (InputStream in = StaticPage.class.getResourceAsStream(SHARED.getOrDefault(name, ROOT + name))) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading the page file " + name + " from the jar", e);
        }
    }

    /** The CSP source of index.html's import map, {@code 'sha256-...'}. */
    private static String importMapHash() {
        java.util.regex.Matcher m = IMPORT_MAP.matcher(new String(read("index.html"), java.nio.charset.StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException("index.html has no import map");
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(m.group(1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "'sha256-" + java.util.Base64.getEncoder().encodeToString(digest) + "'";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }
}
