package dev.dhtsignal.server.http;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP gateway of a DHT node, for browsers (which cannot send UDP): the web page, and the node's own
 * put and get as a small HTTP API ({@link ValueResource}). Nothing but this node's DHT operations is
 * reachable through it: no proxying, no files outside the page.
 *
 * <p>Built on Netty's non-blocking HTTP/1.1 server: reading a request costs no thread while its bytes are
 * slow to come, a long-poll holds none while it waits, and a client's close is seen while its request is
 * pending. Every request passes, in order: the decoder's limits, the request rate of its address and
 * network, the {@link HostPolicy Host check}, the {@link OriginPolicy origin check}, then the page or the API.
 */
public final class HttpGateway implements AutoCloseable, GatewayConnection.Requests {
    private static final Logger log = LoggerFactory.getLogger(HttpGateway.class);
    static final int MAX_TARGET_LENGTH = 2048;
    /** Netty's own limit on the request line, above ours, so that most over-long addresses still have their headers read. */
    private static final int MAX_REQUEST_LINE = 8192;
    private static final int MAX_HEADER_BYTES = 16384;
    /** Enough threads for a 2-core machine's sockets: no handler blocks, DHT work happens on the node's threads. */
    private static final int IO_THREADS = 2;

    private final GatewayOptions options;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;
    private final ScheduledExecutorService timer;
    private final ValueWatches watches;
    private final ValueResource values;
    private final StaticPage page = new StaticPage();
    private final IceServersResource iceServers;
    private final OriginPolicy origins;
    private final HostPolicy hosts;
    private final ClientRates rates;
    private final ClientQuota connections;
    private Channel listener;

    private HttpGateway(KademliaNode node, GatewayOptions options) {
        this.options = options;
        this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("http-accept", true));
        this.io = new NioEventLoopGroup(IO_THREADS, new DefaultThreadFactory("http", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "http-watch");
            t.setDaemon(true);
            return t;
        });
        GatewayLimits limits = options.limits();
        this.watches = new ValueWatches(node, timer, options.dhtTimeout());
        this.values = new ValueResource(node, options, watches,
                new ClientQuota("waits", limits.maxWaits(), limits.maxWaitsPerClient(), limits.maxWaitsPerPrefix()));
        this.iceServers = new IceServersResource(node);
        this.origins = new OriginPolicy(options.allowedOrigins());
        this.hosts = new HostPolicy(options.hostNames());
        this.rates = new ClientRates(limits, System::nanoTime);
        this.connections = new ClientQuota("connections", limits.maxConnections(), limits.maxConnectionsPerClient(),
                limits.maxConnectionsPerPrefix());
    }

    /**
     * Listens on {@code options.bind()} and serves until closed.
     *
     * @throws IOException when the address cannot be bound (taken port, unknown address)
     */
    public static HttpGateway start(KademliaNode node, GatewayOptions options) throws IOException {
        HttpGateway gateway = new HttpGateway(node, options);
        try {
            gateway.listen();
        } catch (IOException | RuntimeException e) {
            gateway.close();
            throw e;
        }
        log.info("HTTP gateway on {}", gateway.address());
        return gateway;
    }

    private void listen() throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Without it each answer on a kept-alive connection waits for the client's delayed ACK (~40 ms).
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADER_BYTES, 8192),
                                new RequestAggregator(options.maxValueBytes()),
                                new GatewayConnection(HttpGateway.this, options.limits().requestTimeout()));
                    }
                });
        try {
            listener = bootstrap.bind(options.bind()).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding", e);
        } catch (Exception e) {
            // Netty rethrows the bind's own exception unchecked-style; keep its message.
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    // ---------------------------------------------------------------------------------- connections

    @Override
    public String openConnection(InetSocketAddress peer) {
        ClientAddress client = ClientAddress.of(peer.getAddress());
        ClientQuota.Refusal r = connections.take(client, options.trustedProxies().contains(client.address()));
        return r == null ? null : r.reason();
    }

    @Override
    public void closeConnection(InetSocketAddress peer) {
        connections.release(ClientAddress.of(peer.getAddress()));
    }

    @Override
    public Exchange exchange(FullHttpRequest request, InetSocketAddress peer, Consumer<FullHttpResponse> sender) {
        ClientAddress client = ClientAddress.of(peer.getAddress(), request.headers().getAll(ClientAddress.FORWARDED_FOR),
                options.trustedProxies());
        return new Exchange(request, client, sender);
    }

    // -------------------------------------------------------------------------------------- requests

    @Override
    public void handle(Exchange ex, FullHttpRequest request) {
        ex.responseHeaders().set("X-Content-Type-Options", "nosniff");
        if (!request.decoderResult().isSuccess()) {
            origins.decorateUnread(ex.responseHeaders());
            origins.decorate(ex.requestHeaders(), ex.responseHeaders());
            malformed(ex, request.decoderResult().cause());
            return;
        }
        // CORS headers first: every answer to an allowed page carries them, refusals too.
        origins.decorate(ex.requestHeaders(), ex.responseHeaders());
        if (request.protocolVersion().majorVersion() != 1) {
            ex.error(505, "the gateway speaks HTTP/1.1 (and 1.0), not " + request.protocolVersion().text());
            return;
        }
        String overRate = isPageFile(ex) ? null : rates.admit(ex.client());
        if (overRate != null) {
            ex.responseHeaders().set("Retry-After", "1");
            ex.error(429, overRate);
            return;
        }
        String wrongHost = hosts.refusal(ex.requestHeaders().get("Host"));
        if (wrongHost != null) {
            ex.error(421, wrongHost);
            return;
        }
        if (!origins.permits(ex.requestHeaders())) {
            ex.error(403, "pages from " + ex.requestHeaders().get("Origin")
                    + " may not use this gateway (see dht-server --http-allow-origin)");
            return;
        }
        if (ex.target().length() > MAX_TARGET_LENGTH) {
            ex.error(414, "the address is longer than " + MAX_TARGET_LENGTH + " characters");
            return;
        }
        String path;
        try {
            URI uri = new URI(ex.target());
            path = uri.getRawPath();
            if (uri.isOpaque() || path == null || !path.startsWith("/")) {
                ex.error(400, "the request target is not a path: '" + shorten(ex.target()) + "'");
                return;
            }
        } catch (URISyntaxException e) {
            ex.error(400, "the request target is not a valid address: " + e.getReason() + " at index " + e.getIndex());
            return;
        }
        if (ex.method().equals("OPTIONS")) {
            origins.preflight(ex.requestHeaders(), ex.responseHeaders());
            ex.responseHeaders().set("Allow", OriginPolicy.ALLOWED_METHODS);
            ex.body(204, Exchange.TEXT, new byte[0]);
        } else if (path.startsWith(ValueResource.PREFIX)) {
            values.handle(ex, path);
        } else if (path.equals(IceServersResource.PATH)) {
            iceServers.handle(ex);
        } else {
            page.handle(ex, path);
        }
    }

    /** A request the decoder could not read whole: a line of reason, never a stack trace or an HTML page. */
    private static void malformed(Exchange ex, Throwable cause) {
        if (cause instanceof RequestAggregator.BodyTooLarge) {
            ex.error(413, cause.getMessage());
        } else if (cause instanceof TooLongHttpLineException) {
            ex.error(414, "the request line is longer than " + MAX_REQUEST_LINE + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException) {
            ex.error(431, "the request headers are longer than " + MAX_HEADER_BYTES + " bytes");
        } else {
            String why = cause == null || cause.getMessage() == null ? "it is not HTTP/1.1" : cause.getMessage();
            ex.error(400, "the request is malformed: " + shorten(why));
        }
    }

    /**
     * A GET or HEAD of the page's own files: served from memory, no DHT work, so not counted against the request
     * rate. A page that uses a short code loads about 30 files at once (its modules and the curve library's);
     * counted, two pages loaded within a second from one address (two tabs, two people behind one NAT, the browser
     * tests) took the whole burst, and the module refused with 429 stopped the page for good: browsers do not
     * retry a module. The connection limits still apply to these requests.
     */
    private static boolean isPageFile(Exchange ex) {
        if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
            return false;
        }
        try {
            String path = new URI(ex.target()).getRawPath();
            return path != null && path.startsWith("/") && !path.startsWith(ValueResource.PREFIX) && !path.startsWith(IceServersResource.PATH);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        watches.closeAll();
        timer.shutdownNow();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
