package dev.dhtsignal.dht.kademlia.rpc;

import dev.dhtsignal.dht.rpc.RpcException;
import dev.dhtsignal.dht.rpc.RpcTimeoutException;
import dev.dhtsignal.dht.rpc.RttEstimator;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.kademlia.wire.WireContact;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calling side of the RPCs. Each call is a small state machine: sent (in {@link #pending}), then
 * either answered or timed out, whichever removes it from the map first. Nothing sleeps; the timeout is
 * a task on the node's timer.
 *
 * <p>A call whose wait runs out is sent once more, with the same message id and a doubled wait, before
 * it fails (as TCP retransmits): a lost datagram, or a burst of requests that outran the measured
 * round-trip time, is far likelier than a contact that answered a moment ago being dead, and a reply to
 * either transmission completes the call. Without this, a client starting a hundred puts at once saw a
 * fifth of its requests time out and left values on fewer than the k closest nodes. As in Karn's
 * algorithm, a call sent twice gives no round-trip sample, since it is unknown which copy was answered.
 *
 * <p>A reply is matched by its message id alone, as rpcudp does: the id comes from a SecureRandom, so a
 * third party would have to guess 160 bits to forge one. It may come from another address than the one
 * asked (a node bound to a wildcard address answers from its primary one); such replies are accepted
 * and the address they came from is reported ({@link #onAnsweredElsewhere}), so the caller can record
 * the contact where it answers.
 */
public final class RpcClient {
    private static final Logger log = LoggerFactory.getLogger(RpcClient.class);

    private final NodeId self;
    private final UdpTransport transport;
    private final ScheduledExecutorService timer;
    private final RttEstimator rtt;
    private final Random messageIds;
    private final TrafficCounters counters;
    private final int maxPending;
    private final ConcurrentHashMap<MessageId, PendingCall> pending = new ConcurrentHashMap<>();
    /**
     * Calls that timed out recently, so that a reply arriving late still counts: it is measured (the
     * estimate learns that replies got slower) and its sender is known to be alive after all. Also calls
     * answered after being sent twice, whose second reply is then no surprise. Bounded.
     */
    private final java.util.Map<MessageId, PendingCall> expired = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<MessageId, PendingCall> eldest) {
                    return size() > MAX_REMEMBERED_TIMEOUTS;
                }
            });
    private static final int MAX_REMEMBERED_TIMEOUTS = 4096;
    /** Transmissions of one request before the call fails: the first and one retransmission. */
    private static final int TRANSMISSIONS = 2;
    private volatile LateReplyListener lateReplies = address -> { };
    private volatile AnsweredElsewhereListener answeredElsewhere = (asked, from) -> { };

    /**
     * Told, before the call completes, when a reply came from another address than the one asked.
     * Called on the receiving thread; must be quick.
     */
    public interface AnsweredElsewhereListener {
        void answeredFrom(InetSocketAddress asked, InetSocketAddress from);
    }

    /** Told when a reply comes after its request timed out: the sender is alive after all. */
    public interface LateReplyListener {
        void lateReply(InetSocketAddress from);
    }
    private volatile boolean closed;

    public RpcClient(NodeId self, UdpTransport transport, ScheduledExecutorService timer, RttEstimator rtt,
                     Random messageIds, TrafficCounters counters, int maxPending) {
        this.self = self;
        this.transport = transport;
        this.timer = timer;
        this.rtt = rtt;
        this.messageIds = messageIds;
        this.counters = counters;
        this.maxPending = maxPending;
    }

    private final class PendingCall {
        final MessageId id;
        final RpcKind kind;
        final InetSocketAddress destination;
        final byte[] datagram;
        final long sentAtNanos = System.nanoTime();
        final CompletableFuture<RpcResponse> future = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeout;
        /** Touched only by the timer thread, which runs one timeout of a call at a time. */
        int transmissions = 1;

        PendingCall(MessageId id, RpcKind kind, InetSocketAddress destination, byte[] datagram) {
            this.id = id;
            this.kind = kind;
            this.destination = destination;
            this.datagram = datagram;
        }

        void expire() {
            if (pending.get(id) != this) {
                return;  // answered meanwhile
            }
            counters.timedOut();
            rtt.timedOut();
            if (transmissions < TRANSMISSIONS && !closed) {
                transmissions++;
                if (schedule(this)) {
                    counters.sent();
                    transport.send(datagram, destination);
                    return;
                }
            }
            if (pending.remove(id, this)) {
                expired.put(id, this);
                long waited = System.nanoTime() - sentAtNanos;
                future.completeExceptionally(new RpcTimeoutException("no reply to " + kind.wireName() + " from "
                        + Endpoints.format(destination) + " within " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms"
                        + (transmissions > 1 ? " (sent " + transmissions + " times)" : "")));
            }
        }

        boolean retransmitted() {
            return transmissions > 1;
        }
    }

    /** Arms the call's timeout with the current estimate; false when the node's timer is shut down. */
    private boolean schedule(PendingCall call) {
        try {
            call.timeout = timer.schedule(call::expire, rtt.timeoutNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    public CompletableFuture<NodeId> ping(InetSocketAddress to) {
        return call(to, new RpcRequest.Ping(self)).thenApply(r -> ((RpcResponse.PingReply) r).nodeId());
    }

    /** Completes with whether the callee says it stored the value. */
    public CompletableFuture<Boolean> store(InetSocketAddress to, NodeId key, DhtValue value) {
        return call(to, new RpcRequest.Store(self, key, value)).thenApply(r -> ((RpcResponse.StoreReply) r).stored());
    }

    public CompletableFuture<List<WireContact>> findNode(InetSocketAddress to, NodeId target) {
        return call(to, new RpcRequest.FindNode(self, target)).thenApply(r -> ((RpcResponse.Nodes) r).contacts());
    }

    /** Completes with {@link RpcResponse.Value} or {@link RpcResponse.Nodes}. */
    public CompletableFuture<RpcResponse> findValue(InetSocketAddress to, NodeId key) {
        return call(to, new RpcRequest.FindValue(self, key));
    }

    public CompletableFuture<RpcResponse.StunReply> stun(InetSocketAddress to) {
        return call(to, new RpcRequest.Stun()).thenApply(r -> (RpcResponse.StunReply) r);
    }

    /** Asks for the callee's ICE servers with a request padded to {@link WireCodec#ICE_SERVERS_REQUEST_BYTES}. */
    public CompletableFuture<dev.dhtsignal.dht.ice.IceServerOffer> iceServers(InetSocketAddress to) {
        return call(to, RpcRequest.IceServers.paddedTo(WireCodec.ICE_SERVERS_REQUEST_BYTES))
                .thenApply(r -> ((RpcResponse.IceServers) r).offer());
    }

    private CompletableFuture<RpcResponse> call(InetSocketAddress to, RpcRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(new RpcException("node is closed"));
        }
        if (pending.size() >= maxPending) {
            return CompletableFuture.failedFuture(new RpcException(
                    "more than " + maxPending + " RPCs in flight; refusing " + request.kind().wireName()
                            + " to " + Endpoints.format(to)));
        }
        MessageId id = MessageId.random(messageIds);
        PendingCall call = new PendingCall(id, request.kind(), to, WireCodec.encodeRequest(id, request));
        pending.put(id, call);
        if (!schedule(call)) {
            pending.remove(id, call);
            return CompletableFuture.failedFuture(new RpcException("node is closed"));
        }
        counters.sent();
        transport.send(call.datagram, to);
        return call.future;
    }

    public void onLateReply(LateReplyListener listener) {
        this.lateReplies = listener;
    }

    public void onAnsweredElsewhere(AnsweredElsewhereListener listener) {
        this.answeredElsewhere = listener;
    }

    /** Matches a response to its call by message id; anything that matches none is dropped and counted. */
    public void onResponse(Datagram.Response response, InetSocketAddress source) {
        PendingCall call = pending.get(response.messageId());
        if (call == null) {
            PendingCall late = expired.remove(response.messageId());
            if (late != null) {
                counters.lateReply();
                if (!late.future.isDone() || late.future.isCompletedExceptionally()) {
                    // A reply to a call that failed: measured, so the estimate learns that replies got slower.
                    rtt.sample(System.nanoTime() - late.sentAtNanos);
                }  // else the second reply to a call sent twice, already answered by the first
                lateReplies.lateReply(late.destination);
                return;
            }
            counters.dropped(DropReason.UNEXPECTED_RESPONSE);
            return;
        }
        if (!pending.remove(response.messageId(), call)) {
            counters.dropped(DropReason.UNEXPECTED_RESPONSE);  // the timeout won the race
            return;
        }
        if (!call.destination.equals(source)) {
            answeredElsewhere.answeredFrom(call.destination, source);
        }
        ScheduledFuture<?> timeout = call.timeout;
        if (timeout != null) {
            timeout.cancel(false);
        }
        RpcResponse decoded;
        try {
            decoded = WireCodec.decodeResponse(call.kind, response.body());
        } catch (MalformedDatagramException | RuntimeException e) {
            // Whatever the decoder throws, the call must end: a caller waiting on it would otherwise hang.
            counters.dropped(DropReason.BAD_RESPONSE);
            log.debug("bad {} reply from {}: {}", call.kind.wireName(), source, e.getMessage());
            call.future.completeExceptionally(new RpcException("bad " + call.kind.wireName() + " reply from "
                    + Endpoints.format(source) + ": " + e.getMessage()));
            return;
        }
        if (decoded instanceof RpcResponse.Nodes nodes) {
            counters.dropped(DropReason.UNUSABLE_CONTACT, nodes.skipped());
        } else if (decoded instanceof RpcResponse.UnusableValue unusable) {
            counters.dropped(DropReason.REFUSED_VALUE);
            log.debug("{} answered find_value with a value we do not keep: {}", source, unusable.reason());
        }
        if (!call.retransmitted()) {
            rtt.sample(System.nanoTime() - call.sentAtNanos);
        }
        call.future.complete(decoded);
        if (call.retransmitted()) {
            expired.put(call.id, call);  // so that the reply to the other copy is known for what it is
        }
    }

    public int inFlight() {
        return pending.size();
    }

    public RttEstimator rtt() {
        return rtt;
    }

    /** Fails every call still in flight. */
    public void close() {
        closed = true;
        for (PendingCall call : pending.values()) {
            if (pending.remove(call.id, call)) {
                ScheduledFuture<?> timeout = call.timeout;
                if (timeout != null) {
                    timeout.cancel(false);
                }
                call.future.completeExceptionally(new RpcException("node closed before "
                        + Endpoints.format(call.destination) + " answered " + call.kind.wireName()));
            }
        }
    }
}
