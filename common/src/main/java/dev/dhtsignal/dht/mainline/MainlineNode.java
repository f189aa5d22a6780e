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
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private static final int MAX_VERIFYING = 16;

    private final MainlineConfig config;
    private final UdpTransport transport;
    private final ScheduledExecutorService timer;
    private final RttEstimator rtt;
    private final Quarantine quarantine;
    private final QueryServer server;
    private final ItemLookups items;
    private final SecureRandom random = new SecureRandom();
    private final FloodLimit flood = new FloodLimit(System::nanoTime);
    private final OutgoingQueries queries;
    private final AtomicInteger verifying = new AtomicInteger();
    private final ExternalAddressVotes addressVotes;
    private final Membership membership;
    private volatile RoutingTable routing;
    /** Hosts the user named to join through ({@link #bootstrapNamed}): admitted whatever their node ids. */
    private final Set<InetAddress> namedHosts = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Null when the node answers no STUN (read-only, or turned off). */
    private final StunResponder stun;
    private final MainlineIceServers iceServers;

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong ignoredReadOnly = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();

    private MainlineNode(MainlineConfig config, UdpTransport transport) {
        this.config = config;
        this.transport = transport;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, config.threadName() + "-timer");
            t.setDaemon(true);
            return t;
        });
        this.rtt = new RttEstimator(min(Duration.ofMillis(250), config.rpcTimeout()), config.rpcTimeout());
        this.quarantine = new Quarantine(Duration.ofMinutes(5), 10_000);
        this.routing = routingTable(config.nodeId().orElseGet(() -> NodeId.random(random)));
        this.server = new QueryServer(config, () -> routing, transport);
        this.queries = new OutgoingQueries(config, transport, timer, rtt, quarantine, () -> routing, flood);
        this.addressVotes = new ExternalAddressVotes(config, () -> routing, this::routingTable, table -> {
            routing = table;
            timer.execute(() -> findNode(id()));
        });
        this.membership = new Membership(this, () -> routing, now -> {
            server.expire(now);
            quarantine.expire(now);
        });
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
        RoutingTable.IdRule bep42 = config.strictNodeIds() ? Bep42.STRICT_ROUTING_RULE : Bep42.ROUTING_RULE;
        return new RoutingTable(self, config.k(), false,
                (id, address) -> namedHosts.contains(address) || bep42.allows(id, address));
    }

    /** Binds the socket and starts serving (a full node) or listening for replies (read-only). */
    public static MainlineNode start(MainlineConfig config) throws IOException {
        UdpTransport transport = UdpTransport.bind(config.bind(), config.threadName() + "-udp", 1);
        MainlineNode node = new MainlineNode(config, transport);
        transport.start(StunResponder.inFrontOf(node.stun,
                config.readOnly() ? node::onDatagram : node.iceServers.inFrontOf(node::onDatagram)));
        long every = Membership.MAINTENANCE_EVERY.toMillis();
        node.timer.scheduleWithFixedDelay(node.membership::maintain, every, every, TimeUnit.MILLISECONDS);
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
        OutgoingQueries.Call call = queries.answered(message, source);
        if (call == null) {
            // Late (already timed out), for another socket's query, or someone guessing transaction ids.
            unexpected.incrementAndGet();
            return;
        }
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
        r.yourAddress().ifPresent(a -> addressVotes.heard(a.getAddress()));
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

    /**
     * Sends one query and waits (asynchronously) for its reply, within the measured timeout; a query that
     * would pass the {@link FloodLimit} to that node fails at once, unsent.
     */
    public CompletableFuture<KrpcMessage.Response> query(InetSocketAddress to, NodeId expectedId, String method,
                                                         Map<String, Object> arguments) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the node is closed"));
        }
        return queries.send(to, expectedId, method, arguments);
    }

    /** What this node's gets and puts did: traversals, direct gets and puts, and the flood limit's count. */
    public ItemActivity itemActivity() {
        return items.activity();
    }

    /** What this node sent to each node, held under the flood limit nodes enforce. */
    public FloodLimit.Stats floodStats() {
        return flood.stats();
    }

    FloodLimit flood() {
        return flood;
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
        return membership.join(addresses, addresses.size());
    }

    /**
     * As {@link #bootstrap(List)}, through nodes the user named ({@code --bootstrap}), which the routing table
     * admits whatever their ids. BEP 42 keeps strangers from choosing where they sit; a node the user chose
     * is no stranger, and one of theirs that has not yet learnt its public address from other nodes' replies
     * (alone, or in a network of their own) has a random id: a peer joined through it kept an empty table
     * and found nothing. The BitTorrent routers and the nodes kept from the last run are not named.
     */
    public CompletableFuture<Integer> bootstrapNamed(List<InetSocketAddress> named) {
        named.forEach(a -> namedHosts.add(a.getAddress()));
        return bootstrap(named);
    }

    /**
     * As {@link #bootstrap(List)}, done as soon as {@code enough} of the addresses have answered (the others'
     * replies still count when they come): a start through many cached nodes should not wait for the ones
     * that have gone to time out.
     */
    public CompletableFuture<Integer> bootstrap(List<InetSocketAddress> addresses, int enough) {
        return membership.join(addresses, enough);
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

    /**
     * The seq of the newest item seen at {@code target} by a get or put lately (-1: its nodes held none), so
     * that a writer can sign the next one without looking first; empty when the target was not looked at lately.
     */
    public Optional<Long> lastSeq(NodeId target) {
        return items.lastSeq(target);
    }

    void schedule(Runnable task, long delayNanos) {
        try {
            timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Closing: what waits on the task is failed by close().
        }
    }

    /** How long a query may go unanswered before a lookup or a direct get stops waiting for it alone. */
    long stallNanos() {
        return rtt.stallNanos();
    }

    CompletableFuture<LookupResult> lookup(NodeId target, IterativeLookup.Querier querier) {
        List<Contact> seeds = routing.closest(target, config.k());
        if (seeds.isEmpty() && membership.canRejoin()) {
            // Every contact failed: join again through the bootstrap addresses, then look up.
            return membership.rejoin().thenCompose(n -> IterativeLookup.start(target,
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

    Clock clock() {
        return config.clock();
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
        queries.failAll();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
