package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.rpc.RttEstimator;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The queries a {@link MainlineNode} has sent and waits on: each gets a random transaction id and a timer,
 * goes out only within the {@link FloodLimit}, and ends with the reply from the address it went to, an
 * error, or its timer (then the address is quarantined for a while, and the contact marked failed).
 */
final class OutgoingQueries {
    /** Queries to a node over the flood limit fail with this at once; nothing was sent, and nobody is blamed. */
    static final class HeldBack extends Exception {
        HeldBack(InetSocketAddress to) {
            super("not sent to " + to + ": " + FloodLimit.PACKETS + " packets went there in the last "
                    + FloodLimit.WINDOW.toSeconds() + " s");
        }
    }

    /** One query on its way: a small state machine ended by a reply, an error or its timer. */
    static final class Call {
        final InetSocketAddress to;
        final NodeId expectedId;
        final long sentNanos = System.nanoTime();
        final CompletableFuture<KrpcMessage.Response> result = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        Call(InetSocketAddress to, NodeId expectedId) {
            this.to = to;
            this.expectedId = expectedId;
        }
    }

    /** The queries whose replies list nodes. */
    private static final Set<String> WANTS_NODES = Set.of("find_node", "get_peers", "get");

    private final MainlineConfig config;
    private final UdpTransport transport;
    private final ScheduledExecutorService timer;
    private final RttEstimator rtt;
    private final Quarantine quarantine;
    private final Supplier<RoutingTable> routing;
    private final FloodLimit flood;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** The {@code want} of our lookups' queries (BEP 32): both families on a dual-stack socket; null: our socket's. */
    private final List<byte[]> want;
    /**
     * Queries waiting for replies, by transaction id. The ids are random, not counted up: a reply is
     * matched by its id and its source address, and an id one can predict lets anyone who can forge that
     * address slip in a reply of its own (contacts of its choosing, a missing item).
     */
    private final Map<Integer, Call> pending = new ConcurrentHashMap<>();

    OutgoingQueries(MainlineConfig config, UdpTransport transport, ScheduledExecutorService timer, RttEstimator rtt,
                    Quarantine quarantine, Supplier<RoutingTable> routing, FloodLimit flood) {
        this.config = config;
        this.transport = transport;
        this.timer = timer;
        this.rtt = rtt;
        this.quarantine = quarantine;
        this.routing = routing;
        this.flood = flood;
        this.clock = config.clock();
        this.want = NodeFamilies.wantFor(transport.localAddress());
    }

    /** Sends one query (our id added) and returns its reply, within the measured timeout. */
    CompletableFuture<KrpcMessage.Response> send(InetSocketAddress to, NodeId expectedId, String method,
                                                 Map<String, Object> arguments) {
        if (expectedId != null && quarantine.contains(to, clock.instant())) {
            // A contact that failed lately (often a read-only peer another node listed): lookups move on at once.
            return CompletableFuture.failedFuture(new TimeoutException("no reply from " + to + " lately"));
        }
        if (!flood.admit(to)) {
            return CompletableFuture.failedFuture(new HeldBack(to));
        }
        Map<String, Object> a = new HashMap<>(arguments);
        a.put("id", routing.get().self().toBytes());
        if (WANTS_NODES.contains(method) && want != null) {
            a.put(NodeFamilies.WANT, want);
        }
        Call call = new Call(to, expectedId);
        int tx = random.nextInt();
        while (pending.putIfAbsent(tx, call) != null) {
            tx = random.nextInt();
        }
        int sent = tx;
        try {
            call.timeout = timer.schedule(() -> timedOut(sent, call), rtt.timeoutNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(sent);
            return CompletableFuture.failedFuture(new IllegalStateException("the node is closing", e));
        }
        byte[] t = ByteBuffer.allocate(4).putInt(tx).array();
        transport.send(KrpcCodec.encode(new KrpcMessage.Query(t, method, new Dict(a), config.readOnly())), to);
        return call.result;
    }

    /**
     * The query a reply answers, taken off the waiting list with its timer stopped and its round trip
     * sampled; null when none waits for it from that address (late, for another socket's query, or someone
     * guessing transaction ids).
     */
    Call answered(KrpcMessage reply, InetSocketAddress source) {
        byte[] t = reply.transactionId();
        Integer tx = t.length == 4 ? ByteBuffer.wrap(t).getInt() : null;
        Call call = tx == null ? null : pending.get(tx);
        if (call == null || !call.to.equals(source) || !pending.remove(tx, call)) {
            if (call == null && reply instanceof KrpcMessage.Response) {
                quarantine.release(source);
            }
            return null;
        }
        call.timeout.cancel(false);
        rtt.sample(System.nanoTime() - call.sentNanos);
        return call;
    }

    private void timedOut(int tx, Call call) {
        if (!pending.remove(tx, call)) {
            return;
        }
        rtt.timedOut();
        quarantine.add(call.to, clock.instant());
        if (call.expectedId != null) {
            routing.get().failed(new Contact(call.expectedId, call.to));
        }
        call.result.completeExceptionally(new TimeoutException("no reply from " + call.to));
    }

    /** Fails every query still waiting: the node is closing. */
    void failAll() {
        for (Call c : pending.values()) {
            c.result.completeExceptionally(new IllegalStateException("the node closed"));
        }
        pending.clear();
    }
}
