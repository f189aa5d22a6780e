package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.CallerFutures;
import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ValueTooLargeException;
import dev.dhtsignal.dht.ice.IceServerIssuer;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.kademlia.rpc.RequestServer;
import dev.dhtsignal.dht.kademlia.rpc.RpcClient;
import dev.dhtsignal.dht.kademlia.rpc.TrafficCounters;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.lookup.LookupResult;
import dev.dhtsignal.dht.net.PeerAddressPolicy;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.rpc.RateLimiter;
import dev.dhtsignal.dht.rpc.RttEstimator;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import dev.dhtsignal.dht.rpc.VerificationBudget;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.stun.StunResponder;
import dev.dhtsignal.dht.stun.StunStats;
import dev.dhtsignal.dht.storage.ValueStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kademlia node that speaks the original Python network's protocol: it serves the five RPCs, keeps a
 * routing table, stores values it is responsible for, and offers {@link #put} and {@link #get}. The work
 * is done by its parts: {@link IncomingRequests} (what arrives), {@link Lookups} (walks through the
 * network), {@link ContactManager} (who is a contact), {@link NodeMaintenance} (upkeep).
 *
 * <p>Threads: receivers read the socket and answer requests inline; a timer thread runs RPC timeouts;
 * a maintenance thread expires values, checks quiet contacts, republishes and refreshes. Futures returned
 * by the public methods complete on the node's callback threads, never on these ({@link CallerFutures}),
 * so a caller's continuation cannot stall the node. {@link #close} stops all of them and fails whatever is
 * still pending.
 */
public final class KademliaNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KademliaNode.class);

    private final KademliaConfig config;
    private final NodeId id;
    private final Clock clock;
    private final UdpTransport transport;
    private final ScheduledThreadPoolExecutor timer;
    private final ScheduledThreadPoolExecutor maintenanceThread;
    private final CallerFutures callers;
    private final TrafficCounters counters = new TrafficCounters();
    private final RoutingTable routing;
    private final ValueStore storage;
    private final RpcClient rpc;
    private final IncomingRequests incoming;
    private final Lookups lookups;
    private final NodeMaintenance maintenance;
    /** Null when the node answers no STUN (a client, or turned off). */
    private final StunResponder stun;
    private final IceServerIssuer iceServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KademliaNode(KademliaConfig config, ValueStore storage, UdpTransport transport) {
        this.config = config;
        this.clock = config.clock();
        this.id = config.nodeId() != null ? config.nodeId() : NodeId.random(config.random());
        this.storage = storage;
        this.transport = transport;
        String name = config.threadName() + "-" + transport.localAddress().getPort();
        this.timer = FatalErrors.scheduledExecutor(name + "-timer");
        this.maintenanceThread = FatalErrors.scheduledExecutor(name + "-maint");
        this.callers = new CallerFutures(name + "-callback");
        this.routing = new RoutingTable(id, config.k(), config.oneContactPerIpEverywhere());
        Quarantine quarantine = new Quarantine(config.quarantine(), 4096);
        this.rpc = new RpcClient(id, transport, timer, new RttEstimator(config.rpcTimeoutFloor(), config.rpcTimeout()),
                new SecureRandom(), counters, config.maxPendingRpcs());
        RateLimits limits = config.limits();
        UnverifiedBudget unverified = new UnverifiedBudget(limits.unverifiedBytesPerSecond(),
                limits.unverifiedReserveBytes(), System::nanoTime);
        ContactManager contacts = new ContactManager(id, config.k(), routing, quarantine, rpc, storage, clock,
                maintenanceThread, config.contactQuietAfter(),
                PeerAddressPolicy.forBindAddress(config.bindAddress().getAddress()),
                new VerificationBudget(limits.verifyPingsPerSecond(), WireCodec.PING_BYTES, unverified, System::nanoTime));
        rpc.onLateReply(contacts::lateReply);
        rpc.onAnsweredElsewhere(contacts::answeredFrom);
        RateLimiter limiter = new RateLimiter(limits);
        this.stun = config.answerStun() && !config.clientOnly()
                ? new StunResponder(limiter, unverified, contacts::isVerified, transport::send) : null;
        this.iceServers = new IceServerIssuer(stun != null, config.turnCredentials(), IceServerIssuer.DEFAULT_RATES,
                System::nanoTime);
        this.incoming = new IncomingRequests(config.clientOnly(), transport, counters, rpc,
                new RequestServer(id, config.k(), routing, storage, clock, counters), contacts,
                limiter, unverified, iceServers);
        this.lookups = new Lookups(config, id, routing, rpc, contacts, counters, storage, timer);
        this.maintenance = new NodeMaintenance(config, storage, quarantine, contacts, routing, lookups, maintenanceThread);
    }

    /** Binds the socket and starts a node with in-memory storage. */
    public static KademliaNode start(KademliaConfig config) throws IOException {
        return start(config, new MemoryValueStore(config.storage()));
    }

    /**
     * Binds the socket and starts a node over the given storage, which the node closes when it closes.
     *
     * @throws java.net.BindException when the address is in use, naming it
     */
    public static KademliaNode start(KademliaConfig config, ValueStore storage) throws IOException {
        UdpTransport transport = UdpTransport.bind(config.bindAddress(),
                config.threadName() + "-" + config.bindAddress().getPort() + "-recv", config.receiverThreads());
        KademliaNode node = new KademliaNode(config, storage, transport);
        transport.start(StunResponder.inFrontOf(node.stun, node.incoming::onDatagram));
        long tick = config.maintenanceInterval().toNanos();
        node.maintenanceThread.scheduleWithFixedDelay(node.maintenance::scheduled, tick, tick, TimeUnit.NANOSECONDS);
        log.debug("node {} listening on {}{}", node.id.shortHex(), Endpoints.format(transport.localAddress()),
                config.clientOnly() ? " (client only)" : "");
        return node;
    }

    public NodeId id() {
        return id;
    }

    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    public KademliaConfig config() {
        return config;
    }

    /**
     * Pings each address, then looks up our own id through those that answered, filling the routing
     * table. Completes (never fails) with who answered and who did not.
     */
    public CompletableFuture<BootstrapResult> bootstrap(List<InetSocketAddress> addresses) {
        return callers.publish(lookups.bootstrap(addresses));
    }

    // ---------------------------------------------------------------------------------------------
    // put and get

    /** Stores {@code value} under the SHA-1 digest of {@code key} on the k closest nodes. */
    public CompletableFuture<PutOutcome> put(String key, DhtValue value) {
        return putDigest(NodeId.digestOf(key), value);
    }

    /**
     * Stores a value under a digest on the k closest nodes (and here, when this node is among them).
     * Fails with {@link ValueTooLargeException} for a value over the size limit, and with
     * {@link DhtException} when no node acknowledged the store.
     */
    public CompletableFuture<PutOutcome> putDigest(NodeId key, DhtValue value) {
        int max = config.storage().maxValueBytes();
        if (value.encodedSize() > max) {
            return CompletableFuture.failedFuture(new ValueTooLargeException(value.encodedSize(), max));
        }
        return callers.publish(lookups.store(key, value));
    }

    /** The value stored under the SHA-1 digest of {@code key}, or empty when the network has none. */
    public CompletableFuture<Optional<DhtValue>> get(String key) {
        return getDigest(NodeId.digestOf(key));
    }

    /**
     * The value under a digest: this node's copy if it has one (as the original), else the result of a
     * find_value lookup. Fails with {@link DhtException} when there was someone to ask and no one answered.
     */
    public CompletableFuture<Optional<DhtValue>> getDigest(NodeId key) {
        Optional<DhtValue> local = localCopy(key);
        if (local.isPresent()) {
            return CompletableFuture.completedFuture(local);
        }
        return callers.publish(lookups.findValue(key).thenApply(LookupResult::value));
    }

    /** Every distinct value found under the SHA-1 digest of {@code key}; see {@link #getAllDigest}. */
    public CompletableFuture<List<DhtValue>> getAll(String key) {
        return getAllDigest(NodeId.digestOf(key));
    }

    /**
     * Every distinct value the closest nodes hold under a digest, most common first, with this node's own
     * copy (if any) first of all. Replicas can disagree for a while after an overwrite, and nodes near a
     * key can answer with junk: a caller that can tell the genuine value (a sealed value that opens, a
     * live offer) tries each instead of trusting a vote. Fails as {@link #getDigest} does.
     */
    public CompletableFuture<List<DhtValue>> getAllDigest(NodeId key) {
        Optional<DhtValue> local = localCopy(key);
        return callers.publish(lookups.findValue(key).thenApply(result -> {
            List<DhtValue> values = new ArrayList<>(result.values().size() + 1);
            local.ifPresent(values::add);
            for (DhtValue v : result.values()) {
                if (!values.contains(v)) {
                    values.add(v);
                }
            }
            return values;
        }));
    }

    private Optional<DhtValue> localCopy(NodeId key) {
        return config.clientOnly() ? Optional.empty() : storage.get(key, clock.instant());
    }

    /** A find_value lookup with its statistics (hops, RPCs, time); what {@link #getDigest} runs. */
    public CompletableFuture<LookupResult> findValue(NodeId key) {
        return callers.publish(lookups.findValue(key));
    }

    // ---------------------------------------------------------------------------------------------
    // Maintenance

    /**
     * One round of upkeep at time {@code now}: expire values, forget old quarantine entries, question
     * quiet contacts, and when their time has come, republish and refresh buckets. Runs every
     * maintenance interval; tests call it directly with a moved clock.
     */
    public void maintain(Instant now) {
        maintenance.maintain(now);
    }

    /** Whether a republish run is under way (started by {@link #maintain}). */
    public boolean isRepublishing() {
        return maintenance.isRepublishing();
    }

    /** Removes expired values now; returns how many. */
    public int expire(Instant now) {
        return storage.expire(now);
    }

    /** Stores again every value held for a republish interval or more; completes with how many. */
    public CompletableFuture<Integer> republish(Instant now) {
        return callers.publish(maintenance.republish(now));
    }

    // ---------------------------------------------------------------------------------------------
    // Introspection and direct RPCs

    public NodeStats stats() {
        return new NodeStats(routing.size(), storage.size(), storage.bytes(), counters.datagramsReceived(),
                counters.requestsServed(), counters.dropsByReason(), counters.rpcsSent(), counters.rpcTimeouts(),
                counters.lateReplies(), rpc.inFlight(), transport.handlerFailures(),
                stun == null ? StunStats.NONE : stun.stats());
    }

    /** Routing contacts, for tools and tests. */
    public List<Contact> contacts() {
        return routing.all();
    }

    /** This node's own copy of a value, without asking anyone. */
    public Optional<DhtValue> localValue(NodeId key) {
        return storage.get(key, clock.instant());
    }

    /** Asks a node directly for the address it sees us at (the {@code stun} RPC). */
    public CompletableFuture<InetSocketAddress> stun(InetSocketAddress node) {
        return callers.publish(rpc.stun(node).thenApply(r -> Endpoints.fromWire(r.host(), r.port())
                .orElseThrow(() -> new DhtException("stun reply with unusable address " + r.host() + ":" + r.port()))));
    }

    /**
     * Asks a node which STUN and TURN servers it offers (the {@code ice_servers} RPC). Only our nodes
     * answer it; the original's Python nodes ignore it, so the future then fails with a timeout: a peer
     * sends this beside its join and uses what has come by the time it needs ICE servers, never waiting
     * on it alone. For the node's own STUN service, see {@link IceServerOffer#stunUrl}.
     */
    public CompletableFuture<IceServerOffer> iceServers(InetSocketAddress node) {
        return callers.publish(rpc.iceServers(node));
    }

    /**
     * What this node offers {@code requester} (its STUN service, fresh TURN credentials), or empty when
     * that address has asked too often: the HTTP gateway's {@code GET /ice-servers}.
     */
    public Optional<IceServerOffer> offerIceServers(java.net.InetAddress requester) {
        return iceServers.offerTo(requester);
    }

    /** Pings a node directly; completes with its id. */
    public CompletableFuture<NodeId> ping(InetSocketAddress node) {
        return callers.publish(rpc.ping(node));
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Stops every thread this node started and fails whatever is still pending. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        maintenanceThread.shutdownNow();
        transport.close();
        rpc.close();
        timer.shutdownNow();
        try {
            maintenanceThread.awaitTermination(5, TimeUnit.SECONDS);
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callers.close(new DhtException("node on " + Endpoints.format(localAddress()) + " closed"));
        storage.close();
        log.debug("node {} closed", id.shortHex());
    }
}
