package dev.dhtsignal.server.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writing responses: every refusal carries its reason as a line of text, so a person can read it. */
final class Reply {
    private Reply() {
    }

    /** A status with a one-line reason as the body. Never throws: the client may already be gone. */
    static void error(HttpExchange ex, int status, String reason) {
        body(ex, status, "text/plain; charset=utf-8", (reason + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A status with a body (for 204 and 304 pass an empty one: they carry none). */
    static void body(HttpExchange ex, int status, String contentType, byte[] body) {
        try {
            boolean noBody = status == 204 || status == 304;
            if (!noBody) {
                ex.getResponseHeaders().set("Content-Type", contentType);  // an empty text value is still text
            }
            boolean empty = noBody || body.length == 0 || "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(status, empty ? -1 : body.length);
            if (!empty) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            // The client went away; there is nobody to tell.
        } finally {
            ex.close();
        }
    }
}
