package dev.dhtsignal.server.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The web page and its modules, from this jar's resources ({@code dev/dhtsignal/server/web/}). Only
 * plain file names with a known extension are looked up, so a path can never leave that folder.
 */
final class StaticPage {
    private static final String ROOT = "/dev/dhtsignal/server/web/";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|js|css|png|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "png", "image/png",
            "svg", "image/svg+xml");
    /**
     * Nothing but this gateway: no other site's scripts, styles, fonts or frames, and the API only here.
     * WebRTC itself is not governed by connect-src.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    void handle(HttpExchange ex, String path) throws IOException {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            Reply.error(ex, 405, "the page is read-only");
            return;
        }
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!NAME.matcher(name).matches()) {
            Reply.error(ex, 404, "no such page: " + (path.length() > 80 ? path.substring(0, 80) + "..." : path));
            return;
        }
        byte[] body;
        try (InputStream in = StaticPage.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                Reply.error(ex, 404, "no such page: " + path);
                return;
            }
            body = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        Reply.body(ex, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body);
    }
}
