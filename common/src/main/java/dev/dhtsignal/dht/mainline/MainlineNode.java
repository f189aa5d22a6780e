package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.lookup.IterativeLookup;
import dev.dhtsignal.dht.lookup.LookupReply;
import dev.dhtsignal.dht.lookup.LookupResult;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.rpc.RttEstimator;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import dev.dhtsignal.dht.ice.IceServerIssuer;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.stun.StunResponder;
import dev.dhtsignal.dht.stun.StunStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of the BitTorrent Mainline DHT (BEP 5) that stores and finds BEP 44 items. It runs on the same
 * Kademlia core as the original network's node: {@link RoutingTable} (k = 8 here), {@link IterativeLookup},
 * {@link RttEstimator}, {@link dev.dhtsignal.dht.rpc.RateLimiter}, {@link Quarantine} and
 * {@link UdpTransport}; only the wire (KRPC in bencode) and the vocabulary of queries are its own.
 *
 * <p>Queries are served by {@link QueryServer} ({@code ping}, {@code find_node}, {@code get_peers},
 * {@code announce_peer}, {@code get}, {@code put}, within rate limits, storage quotas and a byte budget for
 * senders not verified). The contact policy is the core's: a node enters the routing table only after it
 * answered a query of ours, and from a public address only with an id BEP 42 allows there; a querier we
 * do not know is answered, then verified with a ping (within the verification budget), unless it said it
 * is read-only (BEP 43). A read-only node ({@link MainlineConfig#readOnly}) drops every query and marks
 * its own, so it never becomes a contact.
 *
 * <p>Replies complete futures on the receiver thread; nothing here blocks.
 */
public final class MainlineNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MainlineNode.class);
    private static final Duration MAINTENANCE_EVERY = Duration.ofSeconds(30);
    private static final Duration QUIET_AFTER = Duration.ofMinutes(10);
    private static final Duration REFRESH_EVERY = Duration.ofMinutes(15);
    private static final int MAX_VERIFYING = 16;
    /** Replies reporting the same public address before a full node takes a BEP 42 id for it. */
    private static final int ADDRESS_VOTES = 3;

    private final MainlineConfig config;
    private final UdpTransport transport;
    /** The {@code want} of our lookups' queries (BEP 32): both families on a dual-stack socket; null: our socket's. */
    private final List<byte[]> want;
    /** The queries whose replies list nodes. */
    private static final java.util.Set<String> WANTS_NODES = java.util.Set.of("find_node", "get_peers", "get");
    private final ScheduledExecutorService timer;
    private final RttEstimator rtt;
    private final Quarantine quarantine;
    private final QueryServer server;
    private final ItemLookups items;
    private final SecureRandom random = new SecureRandom();
    /**
     * Queries waiting for replies, by transaction id. The ids are random, not counted up: a reply is
     * matched by its id and its source address, and an id one can predict lets anyone who can forge that
     * address slip in a reply of its own (contacts of its choosing, a missing item).
     */
    private final Map<Integer, Call> pending = new ConcurrentHashMap<>();
    private final AtomicInteger verifying = new AtomicInteger();
    private final Map<InetAddress, Integer> addressVotes = new HashMap<>();
    private final List<InetSocketAddress> bootstrapAddresses = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile RoutingTable routing;
    private volatile boolean closed;
    /** Null when the node answers no STUN (read-only, or turned off). */
    private final StunResponder stun;
    private final MainlineIceServers iceServers;

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong ignoredReadOnly = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();

    /** One query on its way: a small state machine ended by a reply, an error or its timer. */
    private static final class Call {
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

    private MainlineNode(MainlineConfig config, UdpTransport transport) {
        this.config = config;
        this.transport = transport;
        this.want = NodeFamilies.wantFor(transport.localAddress());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, config.threadName() + "-timer");
            t.setDaemon(true);
            return t;
        });
        this.rtt = new RttEstimator(min(Duration.ofMillis(250), config.rpcTimeout()), config.rpcTimeout());
        this.quarantine = new Quarantine(Duration.ofMinutes(5), 10_000);
        this.routing = routingTable(config.nodeId().orElseGet(() -> NodeId.random(random)));
        this.server = new QueryServer(config, () -> routing, transport);
        this.items = new ItemLookups(this);
        // STUN is limited like any query: the same per-source rates, and replies to senders not verified
        // (contacts) paid from the same byte budget as the queries' replies.
        this.stun = config.answerStun() && !config.readOnly() ? new StunResponder(server.limiter(), server.unverified(),
                source -> routing.hasContactAt(source), transport::send) : null;
        this.iceServers = new MainlineIceServers(new IceServerIssuer(stun != null, config.turnCredentials(),
                IceServerIssuer.DEFAULT_RATES, System::nanoTime), server.limiter(), this::id, transport::send);
    }

    /**
     * A routing table that admits, from public addresses, only nodes whose ids BEP 42 allows for their
     * address: without it, eight addresses with ids of their choosing took all eight closest places
     * around a target. Loopback and private addresses are exempt, as BEP 42 says (local networks, tests).
     */
    private RoutingTable routingTable(NodeId self) {
        return new RoutingTable(self, config.k(), false,
                config.strictNodeIds() ? Bep42.STRICT_ROUTING_RULE : Bep42.ROUTING_RULE);
    }

    /** Binds the socket and starts serving (a full node) or listening for replies (read-only). */
    public static MainlineNode start(MainlineConfig config) throws IOException {
        UdpTransport transport = UdpTransport.bind(config.bind(), config.threadName() + "-udp", 1);
        MainlineNode node = new MainlineNode(config, transport);
        transport.start(StunResponder.inFrontOf(node.stun,
                config.readOnly() ? node::onDatagram : node.iceServers.inFrontOf(node::onDatagram)));
        long every = MAINTENANCE_EVERY.toMillis();
        node.timer.scheduleWithFixedDelay(node::maintain, every, every, TimeUnit.MILLISECONDS);
        return node;
    }

    public NodeId id() {
        return routing.self();
    }

    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    public boolean readOnly() {
        return config.readOnly();
    }

    public List<Contact> contacts() {
        return routing.all();
    }

    public MainlineStats stats() {
        return new MainlineStats(routing.size(), server.items(), server.peers(), received.get(), server.served(),
                malformed.get() + server.malformed(), server.rateLimited(), server.overQuota(), server.evicted(),
                server.cutToBudget(), server.droppedForBudget(), ignoredReadOnly.get(), unexpected.get(),
                transport.handlerFailures(), stun == null ? StunStats.NONE : stun.stats());
    }

    // ---------------------------------------------------------------- receiving

    private void onDatagram(byte[] data, int length, InetSocketAddress source) {
        received.incrementAndGet();
        KrpcMessage message;
        try {
            message = KrpcCodec.decode(data, length);
        } catch (KrpcFormatException e) {
            malformed.incrementAndGet();
            log.debug("dropped a datagram from {}: {}", source, e.getMessage());
            return;
        }
        if (message instanceof KrpcMessage.Query q) {
            onQuery(q, length, source);
        } else {
            onReply(message, source);
        }
    }

    private void onReply(KrpcMessage message, InetSocketAddress source) {
        Integer tx = transactionNumber(message.transactionId());
        Call call = tx == null ? null : pending.get(tx);
        if (call == null || !call.to.equals(source)) {
            // Late (already timed out), for another socket's query, or someone guessing transaction ids.
            unexpected.incrementAndGet();
            if (call == null && message instanceof KrpcMessage.Response) {
                quarantine.release(source);
            }
            return;
        }
        if (!pending.remove(tx, call)) {
            return;
        }
        call.timeout.cancel(false);
        rtt.sample(System.nanoTime() - call.sentNanos);
        if (message instanceof KrpcMessage.Error e) {
            call.result.completeExceptionally(new KrpcErrorException(e.code(), e.message()));
            return;
        }
        KrpcMessage.Response r = (KrpcMessage.Response) message;
        NodeId id;
        try {
            id = r.values().id("id");
        } catch (KrpcFormatException e) {
            call.result.completeExceptionally(new KrpcErrorException(KrpcMessage.Error.PROTOCOL, e.getMessage()));
            return;
        }
        if (call.expectedId != null && !call.expectedId.equals(id)) {
            // Someone else now answers at that address: the contact we knew is gone.
            routing.failed(new Contact(call.expectedId, source));
        }
        quarantine.release(source);
        routing.seen(new Contact(id, source), config.clock().instant());
        r.yourAddress().ifPresent(a -> voteExternalAddress(a.getAddress()));
        call.result.complete(r);
    }

    private void onQuery(KrpcMessage.Query q, int length, InetSocketAddress source) {
        if (config.readOnly()) {
            ignoredReadOnly.incrementAndGet();
            return;
        }
        if (server.serve(q, length, source) && !q.readOnly() && !q.method().equals("ping")) {
            try {
                verify(new Contact(q.arguments().id("id"), source));
            } catch (KrpcFormatException e) {
                malformed.incrementAndGet();  // the codec checks the id already; kept for the compiler
            }
        }
    }

    /**
     * Pings a querier we do not know yet; its reply makes it a contact. Pings themselves never lead to
     * this (two nodes would otherwise verify each other for ever), nor do read-only queriers.
     */
    private void verify(Contact contact) {
        Instant now = config.clock().instant();
        if (contact.id().equals(id()) || routing.knows(contact) || quarantine.contains(contact.address(), now)
                || routing.wouldRefuse(contact)) {
            return;
        }
        if (verifying.incrementAndGet() > MAX_VERIFYING) {
            verifying.decrementAndGet();
            return;
        }
        if (!server.mayVerify()) {
            // Out of budget: the sender may be forged, and the ping would go to its victim.
            verifying.decrementAndGet();
            return;
        }
        ping(contact.address()).whenComplete((r, e) -> verifying.decrementAndGet());
    }

    // ---------------------------------------------------------------- querying

    /** Sends one query and waits (asynchronously) for its reply, within the measured timeout. */
    public CompletableFuture<KrpcMessage.Response> query(InetSocketAddress to, NodeId expectedId, String method,
                                                         Map<String, Object> arguments) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the node is closed"));
        }
        if (expectedId != null && quarantine.contains(to, config.clock().instant())) {
            // A contact that failed lately (often a read-only peer another node listed): lookups move on at once.
            return CompletableFuture.failedFuture(new TimeoutException("no reply from " + to + " lately"));
        }
        Map<String, Object> a = new HashMap<>(arguments);
        a.put("id", id().toBytes());
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

    private void timedOut(int tx, Call call) {
        if (!pending.remove(tx, call)) {
            return;
        }
        rtt.timedOut();
        quarantine.add(call.to, config.clock().instant());
        if (call.expectedId != null) {
            routing.failed(new Contact(call.expectedId, call.to));
        }
        call.result.completeExceptionally(new TimeoutException("no reply from " + call.to));
    }

    private static Integer transactionNumber(byte[] t) {
        return t.length == 4 ? ByteBuffer.wrap(t).getInt() : null;
    }

    /**
     * Asks a node which STUN and TURN servers it offers ({@link MainlineIceServers}). A node that does not
     * know the query answers error 204: that completes with {@link IceServerOffer#NONE}. Send it beside
     * the join and never wait on it alone: a node may also not answer at all.
     */
    public CompletableFuture<IceServerOffer> iceServers(InetSocketAddress to) {
        return MainlineIceServers.ask(this, to);
    }

    public CompletableFuture<KrpcMessage.Response> ping(InetSocketAddress to) {
        return query(to, null, "ping", Map.of());
    }

    /**
     * Joins the network through these addresses (nodes or routers): asks each for the nodes closest to our
     * own id, then (full nodes) looks our id up, so that our neighbours learn of us. Completes with how
     * many of the addresses answered.
     */
    public CompletableFuture<Integer> bootstrap(List<InetSocketAddress> addresses) {
        for (InetSocketAddress a : addresses) {
            if (!bootstrapAddresses.contains(a)) {
                bootstrapAddresses.add(a);
            }
        }
        List<CompletableFuture<Boolean>> asked = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            CompletableFuture<Boolean> one = new CompletableFuture<>();
            query(a, null, "find_node", Map.of("target", id().toBytes())).whenComplete((r, e) -> one.complete(e == null));
            asked.add(one);
        }
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            int reached = (int) asked.stream().filter(CompletableFuture::join).count();
            if (reached == 0 || config.readOnly()) {
                // Nobody looks a read-only node up, so it need not announce itself: its first lookup of a
                // key starts from the nodes that answered here.
                return CompletableFuture.completedFuture(reached);
            }
            return findNode(id()).thenApply(found -> reached);
        });
    }

    /** The k nodes closest to {@code target} that answered an iterative find_node. */
    public CompletableFuture<List<Contact>> findNode(NodeId target) {
        routing.lookedUp(target, config.clock().instant());
        return lookup(target, c -> query(c.address(), c.id(), "find_node", Map.of("target", target.toBytes()))
                .thenApply(r -> closer(r, target))).thenApply(LookupResult::closest);
    }

    /**
     * Looks up a BEP 44 item: asks the nodes ever closer to {@code target} with {@code get}, keeps the verified
     * mutable item with the highest seq (or an immutable item that matches the target), and the write tokens
     * of the closest nodes.
     */
    public CompletableFuture<GetResult> get(NodeId target, byte[] salt) {
        return items.get(target, salt);
    }

    /**
     * Stores a mutable item on the k nodes closest to its target (a get lookup first, for their write
     * tokens). {@code cas}: only replace the item whose seq is this.
     */
    public CompletableFuture<PutResult> put(MutableItem item, Optional<Long> cas) {
        return items.put(item, cas);
    }

    public CompletableFuture<PutResult> put(ImmutableItem item) {
        return items.put(item);
    }

    CompletableFuture<LookupResult> lookup(NodeId target, IterativeLookup.Querier querier) {
        List<Contact> seeds = routing.closest(target, config.k());
        if (seeds.isEmpty() && !bootstrapAddresses.isEmpty()) {
            // Every contact failed: join again through the bootstrap addresses, then look up.
            return bootstrap(List.copyOf(bootstrapAddresses)).thenCompose(n -> IterativeLookup.start(target,
                    routing.closest(target, config.k()), config.k(), config.alpha(), querier, timer, rtt::stallNanos,
                    config.lookupLimit()));
        }
        return IterativeLookup.start(target, seeds, config.k(), config.alpha(), querier, timer, rtt::stallNanos,
                config.lookupLimit());
    }

    LookupReply closer(KrpcMessage.Response r, NodeId target) {
        try {
            List<Contact> contacts = new ArrayList<>();
            for (Contact c : NodeFamilies.decode(r.values(), 4 * config.k())) {
                if (!c.id().equals(id()) && NodeFamilies.reachable(transport.localAddress(), c)) {
                    contacts.add(c);
                }
            }
            return new LookupReply.Closer(contacts);
        } catch (KrpcFormatException e) {
            return new LookupReply.Closer(List.of());
        }
    }

    // ---------------------------------------------------------------- upkeep

    /**
     * BEP 42: once several nodes report the same public address for us, a full node with a random id takes
     * an id derived from that address, so that others accept it in their routing tables.
     */
    private void voteExternalAddress(InetAddress address) {
        if (config.readOnly() || config.nodeId().isPresent() || Bep42.isExempt(address)) {
            return;
        }
        synchronized (addressVotes) {
            if (Bep42.isValid(id(), address)) {
                return;
            }
            int votes = addressVotes.merge(address, 1, Integer::sum);
            if (votes < ADDRESS_VOTES) {
                return;
            }
            addressVotes.clear();
            NodeId fresh = Bep42.idFor(address, random);
            RoutingTable old = routing;
            RoutingTable table = routingTable(fresh);
            Instant now = config.clock().instant();
            for (Contact c : old.all()) {
                table.seen(c, now);
            }
            routing = table;
            log.info("external address {}: node id is now {} (BEP 42)", address.getHostAddress(), fresh.shortHex());
        }
        timer.execute(() -> findNode(id()));
    }

    private void maintain() {
        try {
            Instant now = config.clock().instant();
            server.expire(now);
            quarantine.expire(now);
            if (routing.size() == 0 && !bootstrapAddresses.isEmpty()) {
                bootstrap(List.copyOf(bootstrapAddresses));
                return;
            }
            for (Contact c : routing.quietContacts(now, QUIET_AFTER, 8)) {
                query(c.address(), c.id(), "ping", Map.of());
            }
            for (NodeId target : routing.refreshTargets(now, REFRESH_EVERY, random)) {
                findNode(target);
            }
        } catch (RuntimeException e) {
            log.warn("maintenance failed; it runs again in {} s", MAINTENANCE_EVERY.toSeconds(), e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    /** Stops serving, fails the queries still waiting, and waits for the threads to end. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        transport.close();
        for (Call c : pending.values()) {
            c.result.completeExceptionally(new IllegalStateException("the node closed"));
        }
        pending.clear();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
