package dev.dhtsignal.dht.stun;

import dev.dhtsignal.dht.net.DatagramHandler;
import dev.dhtsignal.dht.rpc.RateLimiter;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers STUN Binding requests (RFC 8489) on a DHT node's own UDP port: a peer learns the address and
 * port its packets reach the node from, which is what a WebRTC peer behind a NAT gathers as its
 * server-reflexive candidate. A request counts against the node's rate limits like any DHT request, and a
 * reply to a source the node has not verified is paid from the node's {@link UnverifiedBudget}: a success
 * response (40 bytes for IPv4, 52 for IPv6) is larger than the smallest request (20 bytes), so without
 * the budget a spoofed flood would come out of this node up to 2.6 times larger, aimed at its victim.
 *
 * <p>A request with a comprehension-required attribute this server does not know is answered 420
 * (Unknown Attribute) listing them, as RFC 8489 requires (within the same limits); indications, responses
 * and other methods are dropped and counted. Thread-safe; runs on the receiver threads.
 */
public final class StunResponder implements DatagramHandler {
    private static final Logger log = LoggerFactory.getLogger(StunResponder.class);
    /**
     * Comprehension-required attributes a Binding request may carry that change nothing here: STUN's own
     * (credentials, which this server does not ask for, and address attributes) and ICE's, which clients
     * that reuse one socket for checks and for servers may send.
     */
    static final Set<Integer> UNDERSTOOD = Set.of(StunAttribute.MAPPED_ADDRESS, StunAttribute.USERNAME,
            StunAttribute.MESSAGE_INTEGRITY, StunAttribute.ERROR_CODE, StunAttribute.UNKNOWN_ATTRIBUTES,
            StunAttribute.REALM, StunAttribute.NONCE, StunAttribute.MESSAGE_INTEGRITY_SHA256,
            StunAttribute.PASSWORD_ALGORITHM, StunAttribute.USERHASH, StunAttribute.XOR_MAPPED_ADDRESS,
            StunAttribute.PRIORITY, StunAttribute.USE_CANDIDATE);

    private final RateLimiter limiter;
    private final UnverifiedBudget budget;
    private final Predicate<InetSocketAddress> verified;
    private final BiConsumer<byte[], InetSocketAddress> sender;
    private final LongAdder answered = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final EnumMap<StunDrop, LongAdder> dropped = new EnumMap<>(StunDrop.class);

    /**
     * @param limiter the node's request rate limits, shared with its DHT requests
     * @param budget the node's budget for replies to unverified sources
     * @param verified whether a source is a verified contact of the node (its replies cost no budget)
     * @param sender sends a datagram from the node's socket
     */
    public StunResponder(RateLimiter limiter, UnverifiedBudget budget, Predicate<InetSocketAddress> verified,
                         BiConsumer<byte[], InetSocketAddress> sender) {
        this.limiter = limiter;
        this.budget = budget;
        this.verified = verified;
        this.sender = sender;
        for (StunDrop d : StunDrop.values()) {
            dropped.put(d, new LongAdder());
        }
    }

    /**
     * Installs the responder in front of a node's handler: STUN messages come here, everything else goes
     * on to {@code next} untouched. With a null responder, {@code next} itself.
     */
    public static DatagramHandler inFrontOf(StunResponder responder, DatagramHandler next) {
        if (responder == null) {
            return next;
        }
        return (data, length, source) -> {
            if (StunCodec.looksLikeStun(data, length)) {
                responder.onDatagram(data, length, source);
            } else {
                next.onDatagram(data, length, source);
            }
        };
    }

    @Override
    public void onDatagram(byte[] data, int length, InetSocketAddress source) {
        StunMessage request;
        try {
            request = StunCodec.decode(data, length);
        } catch (StunFormatException e) {
            drop(StunDrop.MALFORMED);
            log.trace("dropped a STUN datagram from {}: {}", source, e.getMessage());
            return;
        }
        if (!request.isBindingRequest()) {
            drop(StunDrop.NOT_BINDING_REQUEST);
            return;
        }
        if (!limiter.admit(source.getAddress())) {
            drop(StunDrop.RATE_LIMITED);
            return;
        }
        List<Integer> unknown = request.unknownComprehensionRequired(UNDERSTOOD);
        byte[] reply = unknown.isEmpty()
                ? StunCodec.bindingSuccess(request.transactionId(), source)
                : StunCodec.unknownAttributes(request.transactionId(), unknown);
        if (budget.isLimited() && !verified.test(source)) {
            budget.earn(length);
            if (!budget.trySpend(reply.length)) {
                drop(StunDrop.UNVERIFIED_BUDGET);
                return;
            }
        }
        // Counted before it leaves, so that whoever reads the counters after the answer arrived sees it.
        (unknown.isEmpty() ? answered : refused).increment();
        sender.accept(reply, source);
    }

    private void drop(StunDrop reason) {
        dropped.get(reason).increment();
    }

    public StunStats stats() {
        Map<StunDrop, Long> m = new EnumMap<>(StunDrop.class);
        dropped.forEach((reason, n) -> {
            long v = n.sum();
            if (v > 0) {
                m.put(reason, v);
            }
        });
        return new StunStats(true, answered.sum(), refused.sum(), m);
    }
}
