package dev.dhtsignal.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One request and its one answer. The answer may be given from any thread (a DHT callback), exactly once;
 * later attempts are ignored. Every refusal carries its reason as one line of text, so a person can read it.
 */
final class Exchange {
    static final String TEXT = "text/plain; charset=utf-8";

    private final String method;
    private final String target;
    private final HttpHeaders requestHeaders;
    private final byte[] body;
    private final ClientAddress client;
    private final HttpHeaders responseHeaders = new DefaultHttpHeaders();
    private final Consumer<FullHttpResponse> sender;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final AtomicBoolean gone = new AtomicBoolean();
    private final CopyOnWriteArrayList<Runnable> onGone = new CopyOnWriteArrayList<>();

    Exchange(FullHttpRequest request, ClientAddress client, Consumer<FullHttpResponse> sender) {
        this.method = request.method().name();
        this.target = request.uri();
        this.requestHeaders = request.headers();
        byte[] b = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), b);
        this.body = b;
        this.client = client;
        this.sender = sender;
    }

    String method() {
        return method;
    }

    /** The request target as sent: path and query, percent-encoded. */
    String target() {
        return target;
    }

    HttpHeaders requestHeaders() {
        return requestHeaders;
    }

    byte[] body() {
        return body;
    }

    ClientAddress client() {
        return client;
    }

    HttpHeaders responseHeaders() {
        return responseHeaders;
    }

    /**
     * Runs {@code action} once the client has closed its connection before its answer was sent (at once if
     * it already has): a long-poll uses it to give back its place.
     */
    void onClientGone(Runnable action) {
        onGone.add(action);
        if (gone.get() && onGone.remove(action)) {
            action.run();
        }
    }

    /** The connection closed; called by the connection, once. */
    void clientGone() {
        if (!answered.get() && gone.compareAndSet(false, true)) {
            for (Runnable r : onGone) {
                if (onGone.remove(r)) {
                    r.run();
                }
            }
        }
    }

    /** A status with a one-line reason as the body. */
    void error(int status, String reason) {
        body(status, TEXT, (reason.replaceAll("[\\r\\n]+", " ") + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A status with a body (for 204 and 304 pass an empty one: they carry none). */
    void body(int status, String contentType, byte[] content) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        boolean noBody = status == 204 || status == 304;
        boolean head = "HEAD".equals(method);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                noBody || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content));
        response.headers().set(responseHeaders);
        if (!noBody) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);  // an empty text value is still text
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
        }
        sender.accept(response);
    }
}
