package dev.dhtsignal.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, after the HTTP decoding: takes its place in the connection limits, hands each
 * complete request to the gateway, and sends the answers in the order of the requests. All its state is
 * touched on the connection's event loop only.
 *
 * <p>Time limit: from its opening, and again from each answer, a connection has {@code requestTimeout} to
 * deliver its next complete request, or it is closed. So a client that sends half a request and then
 * nothing, or trickles it, or holds a connection idle, costs a connection place for that long and never a
 * thread (reading is non-blocking). The time a request is handled (a long-poll) is not limited here.
 *
 * <p>Close: the connection keeps reading while a request is handled, so it sees the client go away and
 * tells the pending exchange at once ({@link Exchange#clientGone}): a long-poll gives back its place then.
 */
final class GatewayConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(GatewayConnection.class);
    /** Requests a client may send ahead of its answers (HTTP pipelining); more and the connection is closed. */
    private static final int MAX_PIPELINED = 8;

    /** What the connection serves its requests with; {@link HttpGateway} is the one. */
    interface Requests {
        /** A place for a new connection from {@code peer}; null when taken, else why not (then it is closed). */
        String openConnection(InetSocketAddress peer);

        void closeConnection(InetSocketAddress peer);

        /** Answers {@code request} through an exchange whose answers go to {@code sender}. */
        Exchange exchange(FullHttpRequest request, InetSocketAddress peer, Consumer<FullHttpResponse> sender);

        void handle(Exchange exchange, FullHttpRequest request);
    }

    private final Requests requests;
    private final Duration requestTimeout;
    private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private InetSocketAddress peer;
    private boolean admitted;
    private Exchange current;
    private ScheduledFuture<?> deadline;

    GatewayConnection(Requests requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = (InetSocketAddress) ctx.channel().remoteAddress();
        String refusal = requests.openConnection(peer);
        if (refusal != null) {
            log.debug("HTTP connection from {} refused: {}", peer, refusal);
            ctx.close();
            return;
        }
        admitted = true;
        awaitRequest();
        ctx.fireChannelActive();
    }

    private void awaitRequest() {
        deadline = ctx.executor().schedule(() -> {
            log.debug("HTTP connection from {} delivered no complete request in {}; closed", peer, requestTimeout);
            ctx.close();
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || !admitted) {
            ReferenceCountUtil.release(msg);
            return;
        }
        stopDeadline();
        if (current != null) {
            if (waiting.size() >= MAX_PIPELINED) {
                log.debug("HTTP connection from {} sent more than {} requests ahead; closed", peer, MAX_PIPELINED);
                request.release();
                ctx.close();
                return;
            }
            waiting.add(request);
            return;
        }
        start(request);
    }

    private void start(FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        Exchange exchange = requests.exchange(request, peer, response -> send(response, keepAlive));
        current = exchange;
        try {
            requests.handle(exchange, request);
        } catch (RuntimeException e) {
            log.warn("HTTP request {} {} failed: {}", request.method(), request.uri(), e.toString());
            exchange.error(500, "the gateway failed on this request: " + e.getMessage());
        } finally {
            request.release();
        }
    }

    /** Sends the answer of the current exchange, from any thread. */
    private void send(FullHttpResponse response, boolean keepAlive) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> send(response, keepAlive));
            return;
        }
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !keepAlive) {
                ctx.close();
                return;
            }
            current = null;
            FullHttpRequest next = waiting.poll();
            if (next != null) {
                start(next);
            } else {
                awaitRequest();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopDeadline();
        if (current != null) {
            current.clientGone();
            current = null;
        }
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        if (admitted) {
            admitted = false;
            requests.closeConnection(peer);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are clients going away; nothing to answer.
        log.debug("HTTP connection from {}: {}", peer, cause.toString());
        ctx.close();
    }
}
