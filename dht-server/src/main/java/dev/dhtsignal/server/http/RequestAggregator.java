package dev.dhtsignal.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Netty's aggregation of a request and its body, with the gateway's own answer to a body over the limit:
 * the refusal goes through the gateway like any other (a reason line, CORS headers), instead of the
 * aggregator's bare 413.
 */
final class RequestAggregator extends HttpObjectAggregator {
    /** The failure a request carries when its body was over the limit. */
    static final class BodyTooLarge extends Exception {
        BodyTooLarge(int limit) {
            super("a request body has at most " + limit + " bytes", null, false, false);
        }
    }

    RequestAggregator(int maxBodyBytes) {
        super(maxBodyBytes);
    }

    /** 100 Continue for a body that fits; none for one that does not, which then comes to handleOversizedMessage. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (!HttpUtil.is100ContinueExpected(start)) {
            return null;
        }
        start.headers().remove(HttpHeaderNames.EXPECT);
        if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
            return null;
        }
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest r)) {
            ctx.close();
            return;
        }
        DefaultFullHttpRequest refused = new DefaultFullHttpRequest(r.protocolVersion(), r.method(), r.uri(),
                Unpooled.EMPTY_BUFFER, r.headers(), EmptyHttpHeaders.INSTANCE);
        refused.setDecoderResult(DecoderResult.failure(new BodyTooLarge(maxContentLength())));
        ctx.fireChannelRead(refused);
    }
}
