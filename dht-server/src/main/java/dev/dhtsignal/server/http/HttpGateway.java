package dev.dhtsignal.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP gateway of a DHT node, for browsers (which cannot send UDP): the web page, and the node's own
 * put and get as a small HTTP API ({@link ValueResource}). Built on the JDK's own HTTP server, which adds
 * no dependency and starts in milliseconds. Nothing but this node's DHT operations is reachable through
 * it: no proxying, no files outside the page.
 */
public final class HttpGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpGateway.class);
    private static final int MAX_PATH_LENGTH = 2048;

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService timer;
    private final ValueWatches watches;
    private final ValueResource values;
    private final StaticPage page = new StaticPage();
    private final OriginPolicy origins;
    private final ClientRates rates;

    private HttpGateway(HttpServer server, KademliaNode node, GatewayOptions options) {
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.handlers = Executors.newFixedThreadPool(4, r -> daemon(r, "http-" + n.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "http-watch"));
        this.watches = new ValueWatches(node, timer, options.dhtTimeout());
        this.values = new ValueResource(node, options, watches);
        this.origins = new OriginPolicy(options.allowedOrigins());
        this.rates = new ClientRates(options.requestsPerSecond(), options.burst());
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Listens on {@code options.bind()} and serves until closed.
     *
     * @throws IOException when the address cannot be bound (taken port, unknown address)
     */
    public static HttpGateway start(KademliaNode node, GatewayOptions options) throws IOException {
        HttpServer server = HttpServer.create(options.bind(), 64);
        HttpGateway gateway = new HttpGateway(server, node, options);
        server.start();
        log.info("HTTP gateway on {}", gateway.address());
        return gateway;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            if (!rates.admit(ex.getRemoteAddress().getAddress())) {
                ex.getResponseHeaders().set("Retry-After", "1");
                Reply.error(ex, 429, "too many requests from " + ex.getRemoteAddress().getAddress().getHostAddress()
                        + "; slow down");
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (path == null || path.length() > MAX_PATH_LENGTH || ex.getRequestURI().getRawQuery() != null
                    && ex.getRequestURI().getRawQuery().length() > MAX_PATH_LENGTH) {
                Reply.error(ex, 414, "the address is longer than " + MAX_PATH_LENGTH + " characters");
                return;
            }
            if (!origins.permits(ex.getRequestHeaders())) {
                Reply.error(ex, 403, "pages from " + ex.getRequestHeaders().getFirst("Origin")
                        + " may not use this gateway (see dht-server --http-allow-origin)");
                return;
            }
            origins.decorate(ex.getRequestHeaders(), ex.getResponseHeaders());
            if (ex.getRequestMethod().equals("OPTIONS")) {
                origins.preflight(ex.getRequestHeaders(), ex.getResponseHeaders());
                ex.getResponseHeaders().set("Allow", OriginPolicy.ALLOWED_METHODS);
                Reply.body(ex, 204, ValueResource.TEXT, new byte[0]);
            } else if (path.startsWith(ValueResource.PREFIX)) {
                values.handle(ex, path);
            } else {
                page.handle(ex, path);
            }
        } catch (RuntimeException e) {
            log.warn("HTTP request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            Reply.error(ex, 500, "the gateway failed on this request: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        watches.closeAll();
        timer.shutdownNow();
        handlers.shutdownNow();
    }
}
