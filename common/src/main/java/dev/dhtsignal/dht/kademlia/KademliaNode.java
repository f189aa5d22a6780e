package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ValueTooLargeException;
import dev.dhtsignal.dht.lookup.IterativeLookup;
import dev.dhtsignal.dht.lookup.LookupReply;
import dev.dhtsignal.dht.lookup.LookupResult;
import dev.dhtsignal.dht.net.PeerAddressPolicy;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.rpc.RateLimiter;
import dev.dhtsignal.dht.kademlia.rpc.RequestServer;
import dev.dhtsignal.dht.kademlia.rpc.RpcClient;
import dev.dhtsignal.dht.rpc.RttEstimator;
import dev.dhtsignal.dht.kademlia.rpc.TrafficCounters;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import dev.dhtsignal.dht.rpc.VerificationBudget;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.dht.storage.StoredEntry;
import dev.dhtsignal.dht.storage.ValueStore;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.kademlia.wire.WireContact;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kademlia node that speaks the original Python network's protocol: it serves the five RPCs, keeps a
 * routing table, stores values it is responsible for, and offers {@link #put} and {@link #get}.
 *
 * <p>Threads: receivers read the socket and answer requests inline; a timer thread runs RPC timeouts;
 * a maintenance thread expires values, checks quiet contacts, republishes and refreshes. Futures returned
 * by the public methods complete on the common pool, never on these threads, so a caller's continuation
 * cannot stall the node. {@link #close} stops all of them and fails whatever is still pending.
 */
public final class KademliaNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KademliaNode.class);

    private final KademliaConfig config;
    private final NodeId id;
    private final Clock clock;
    private final UdpTransport transport;
    private final ScheduledThreadPoolExecutor timer;
    private final ScheduledThreadPoolExecutor maintenance;
    /** Runs callers' continuations; see {@link #publish}. */
    private final java.util.concurrent.ExecutorService callbacks;
    private final TrafficCounters counters = new TrafficCounters();
    private final RoutingTable routing;
    private final ValueStore storage;
    private final Quarantine quarantine;
    private final RpcClient rpc;
    private final ContactManager contacts;
    private final RequestServer server;
    private final RateLimiter rateLimiter;
    private final UnverifiedBudget unverified;
    private final Random maintenanceRandom;
    private final Set<CompletableFuture<?>> outstanding = ConcurrentHashMap.newKeySet();
    /** The addresses last given to {@link #bootstrap}: where to rejoin if every contact is lost. */
    private volatile List<InetSocketAddress> joinedThrough = List.of();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Instant nextRepublish;
    private volatile Instant nextRefresh;

    private KademliaNode(KademliaConfig config, ValueStore storage, UdpTransport transport) {
        this.config = config;
        this.clock = config.clock();
        this.id = config.nodeId() != null ? config.nodeId() : NodeId.random(config.random());
        this.storage = storage;
        this.transport = transport;
        String name = config.threadName() + "-" + transport.localAddress().getPort();
        this.timer = FatalErrors.scheduledExecutor(name + "-timer");
        this.maintenance = FatalErrors.scheduledExecutor(name + "-maint");
        this.callbacks = java.util.concurrent.Executors.newCachedThreadPool(FatalErrors.threads(name + "-callback"));
        this.routing = new RoutingTable(id, config.k(), config.oneContactPerIpEverywhere());
        this.quarantine = new Quarantine(config.quarantine(), 4096);
        this.rpc = new RpcClient(id, transport, timer, new RttEstimator(config.rpcTimeoutFloor(), config.rpcTimeout()),
                new SecureRandom(), counters, config.maxPendingRpcs());
        RateLimits limits = config.limits();
        this.unverified = new UnverifiedBudget(limits.unverifiedBytesPerSecond(), limits.unverifiedReserveBytes(),
                System::nanoTime);
        this.contacts = new ContactManager(id, config.k(), routing, quarantine, rpc, storage, clock, maintenance,
                config.contactQuietAfter(), PeerAddressPolicy.forBindAddress(config.bindAddress().getAddress()),
                new VerificationBudget(limits.verifyPingsPerSecond(), WireCodec.PING_BYTES, unverified, System::nanoTime));
        this.server = new RequestServer(id, config.k(), routing, storage, clock, counters);
        rpc.onLateReply(contacts::lateReply);
        rpc.onAnsweredElsewhere(contacts::answeredFrom);
        this.rateLimiter = new RateLimiter(config.limits());
        this.maintenanceRandom = new Random(config.random().nextLong());
        Instant now = clock.instant();
        this.nextRepublish = now.plus(config.republishInterval());
        this.nextRefresh = now.plus(config.refreshInterval());
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
        transport.start(node::onDatagram);
        long tick = config.maintenanceInterval().toNanos();
        node.maintenance.scheduleWithFixedDelay(node::scheduledMaintenance, tick, tick, TimeUnit.NANOSECONDS);
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

    // ---------------------------------------------------------------------------------------------
    // Incoming datagrams

    private void onDatagram(byte[] data, int length, InetSocketAddress source) {
        counters.received();
        Datagram datagram;
        try {
            datagram = WireCodec.decode(data, 0, length);
        } catch (MalformedDatagramException e) {
            counters.dropped(e.reason());
            log.trace("dropped datagram from {}: {}", source, e.getMessage());
            return;
        }
        if (datagram instanceof Datagram.Response response) {
            rpc.onResponse(response, source);
            return;
        }
        Datagram.Request request = (Datagram.Request) datagram;
        if (config.clientOnly()) {
            counters.dropped(DropReason.CLIENT_MODE);
            return;
        }
        if (!rateLimiter.admit(source.getAddress())) {
            counters.dropped(DropReason.RATE_LIMITED);
            return;
        }
        answer(request, length, source);
        // Pings are answered and nothing more: the verification of a newcomer is itself a ping, so a ping
        // that led to verifying its sender could make two nodes ping each other back and forth for ever.
        // A newcomer is verified on its first other request (a joining node's lookup follows at once).
        NodeId sender = request.request().senderOrNull();
        if (sender != null && request.request().kind() != dev.dhtsignal.dht.kademlia.wire.RpcKind.PING) {
            contacts.heardFrom(sender, source);
        }
    }

    /**
     * Answers a request. A source that is not a contact may have been spoofed, so what it is sent is kept
     * within the {@link UnverifiedBudget}: no more bytes than unverified sources sent (plus a small
     * allowance), so this node cannot be used to multiply an attacker's traffic towards a victim.
     */
    private void answer(Datagram.Request request, int length, InetSocketAddress source) {
        if (request.request() instanceof RpcRequest.Store) {
            // A store's reply waits for storage (a disk write, on the store's own thread); the receiver does
            // not. The reply, a boolean, is always smaller than the store that asked for it: an unverified
            // store earns the budget its bytes and costs it the reply's.
            boolean verified = !unverified.isLimited() || contacts.isVerified(source);
            if (!verified) {
                unverified.earn(length);
            }
            server.respond(request.request(), source).whenComplete((reply, error) -> {
                if (error != null) {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (cause instanceof Error fatal) {
                        FatalErrors.report(Thread.currentThread(), fatal);  // a future caught it; the thread did not see it
                    }
                    log.error("answering a store from {} failed", source, error);
                } else {
                    byte[] out = WireCodec.encodeResponse(request.messageId(), reply);
                    if (!verified) {
                        unverified.trySpend(out.length);
                    }
                    transport.send(out, source);
                }
            });
            return;
        }
        if (!unverified.isLimited() || contacts.isVerified(source)) {
            RpcResponse reply = server.answer(request.request(), source);
            transport.send(WireCodec.encodeResponse(request.messageId(), reply), source);
            return;
        }
        int available = unverified.earn(length);
        RpcResponse reply = server.answerWithin(request.request(), source, request.messageId(), available);
        byte[] out = reply == null ? null : WireCodec.encodeResponse(request.messageId(), reply);
        if (out != null && unverified.trySpend(out.length)) {
            transport.send(out, source);
        } else {
            counters.dropped(DropReason.UNVERIFIED_BUDGET);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Joining

    /**
     * Pings each address, then looks up our own id through those that answered, filling the routing
     * table. Completes (never fails) with who answered and who did not.
     */
    public CompletableFuture<BootstrapResult> bootstrap(List<InetSocketAddress> addresses) {
        joinedThrough = List.copyOf(addresses);
        contacts.joiningThrough(joinedThrough);
        return publish(join(addresses));
    }

    private CompletableFuture<BootstrapResult> join(List<InetSocketAddress> addresses) {
        List<CompletableFuture<Contact>> pings = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            pings.add(rpc.ping(a).handle((nodeId, error) -> error == null ? new Contact(nodeId, a) : null));
        }
        CompletableFuture<BootstrapResult> result = CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> {
                    List<Contact> reached = new ArrayList<>();
                    List<InetSocketAddress> unanswered = new ArrayList<>();
                    for (int i = 0; i < pings.size(); i++) {
                        Contact c = pings.get(i).join();
                        if (c == null) {
                            unanswered.add(addresses.get(i));
                        } else if (!c.id().equals(id)) {
                            reached.add(c);
                            contacts.answered(c);
                        }
                    }
                    if (reached.isEmpty()) {
                        return CompletableFuture.completedFuture(new BootstrapResult(reached, unanswered, routing.size()));
                    }
                    return lookupClosest(id, reached)
                            .thenApply(r -> new BootstrapResult(reached, unanswered, routing.size()));
                });
        return result;
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
        return publish(seeds(key).thenCompose(seeds -> lookupClosest(key, seeds))
                .thenCompose(found -> storeOn(key, value, found.closest())));
    }

    private CompletableFuture<PutOutcome> storeOn(NodeId key, DhtValue value, List<Contact> closest) {
        // Our own copy goes through storage's future like a remote store: this often runs on the receiver
        // (a lookup's last reply completes it), which must never wait for a disk write.
        CompletableFuture<Boolean> local = CompletableFuture.completedFuture(false);
        if (!config.clientOnly()) {
            boolean amongClosest = closest.size() < config.k()
                    || key.closerTo(id, closest.get(closest.size() - 1).id());
            if (amongClosest) {
                local = storage.store(key, value, SourcePrefix.LOCAL, clock.instant())
                        .thenApply(r -> r == ValueStore.PutResult.STORED);
            }
        }
        List<CompletableFuture<Contact>> stores = new ArrayList<>();
        for (Contact c : closest) {
            stores.add(rpc.store(c.address(), key, value).handle((stored, error) -> {
                if (error != null) {
                    contacts.failed(c);
                    return null;
                }
                contacts.answered(c);
                return Boolean.TRUE.equals(stored) ? c : null;
            }));
        }
        CompletableFuture<Boolean> ownCopy = local;
        stores.add(ownCopy.thenApply(ignored -> null));
        return CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            boolean storedLocally = ownCopy.join();
            List<Contact> acked = new ArrayList<>();
            for (CompletableFuture<Contact> f : stores) {
                Contact c = f.join();
                if (c != null) {
                    acked.add(c);
                }
            }
            if (acked.isEmpty() && !storedLocally) {
                throw new DhtException(closest.isEmpty()
                        ? "no DHT node answered the lookup for key " + key.shortHex() + "; is the DHT reachable?"
                        : "none of the " + closest.size() + " closest nodes acknowledged storing key " + key.shortHex());
            }
            return new PutOutcome(key, acked, storedLocally, closest.size());
        });
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
        if (!config.clientOnly()) {
            Optional<DhtValue> local = storage.get(key, clock.instant());
            if (local.isPresent()) {
                return CompletableFuture.completedFuture(local);
            }
        }
        return publish(lookupValue(key).thenApply(LookupResult::value));
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
        Optional<DhtValue> local = config.clientOnly() ? Optional.empty() : storage.get(key, clock.instant());
        return publish(lookupValue(key).thenApply(result -> {
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

    /** A find_value lookup with its statistics (hops, RPCs, time); what {@link #getDigest} runs. */
    public CompletableFuture<LookupResult> findValue(NodeId key) {
        return publish(lookupValue(key));
    }

    private CompletableFuture<LookupResult> lookupValue(NodeId key) {
        return seeds(key).thenCompose(seeds -> lookupValue(key, seeds));
    }

    private CompletableFuture<LookupResult> lookupValue(NodeId key, List<Contact> seeds) {
        if (seeds.isEmpty()) {
            if (config.clientOnly()) {
                return CompletableFuture.failedFuture(new DhtException("no known DHT nodes to ask for key "
                        + key.shortHex() + "; bootstrap first"));
            }
            return CompletableFuture.completedFuture(
                    new LookupResult(List.of(), List.of(), Optional.empty(), 0, 0, Duration.ZERO));
        }
        routing.lookedUp(key, clock.instant());
        IterativeLookup.Querier ask = c -> tracked(c, rpc.findValue(c.address(), key))
                .thenApply(this::toLookupReply);
        return onceMoreIfNobodyAnswered(() -> IterativeLookup.start(key, seeds, config.k(), config.alpha(), ask, timer,
                rpc.rtt()::stallNanos, config.lookupLimit())).thenApply(result -> {
                    if (result.value().isEmpty() && result.closest().isEmpty()) {
                        throw new DhtException("none of the " + seeds.size() + " known DHT nodes answered a lookup for key "
                                + key.shortHex() + " (" + describe(seeds) + ")");
                    }
                    // As the original, but only when the nodes agree: with several values there is no telling
                    // which is genuine, and caching junk would spread it.
                    if (result.values().size() == 1) {
                        result.closestWithoutValue().ifPresent(c -> cache(c, key, result.values().get(0)));
                    }
                    return result;
                });
    }

    /** As the original: a found value is also stored on the closest node that lacked it. */
    private void cache(Contact c, NodeId key, DhtValue value) {
        rpc.store(c.address(), key, value).whenComplete((ok, error) -> {
            if (error != null) {
                contacts.failed(c);
            }
        });
    }

    private CompletableFuture<LookupResult> lookupClosest(NodeId target, List<Contact> seeds) {
        routing.lookedUp(target, clock.instant());
        IterativeLookup.Querier ask = c -> tracked(c, rpc.findNode(c.address(), target))
                .thenApply(list -> new LookupReply.Closer(toContacts(list)));
        return onceMoreIfNobodyAnswered(() -> IterativeLookup.start(target, seeds, config.k(), config.alpha(), ask, timer,
                rpc.rtt()::stallNanos, config.lookupLimit()));
    }

    /**
     * Runs a lookup, and runs it once more when not one contact answered. On a network so busy that every
     * reply missed its deadline, the timeouts have doubled meanwhile (see RttEstimator), so the second try
     * usually gets through; a network that is really gone fails twice, quickly.
     */
    private CompletableFuture<LookupResult> onceMoreIfNobodyAnswered(
            Supplier<CompletableFuture<LookupResult>> lookup) {
        return lookup.get().thenCompose(first -> first.closest().isEmpty() && first.value().isEmpty() && first.rpcs() > 0
                ? lookup.get() : CompletableFuture.completedFuture(first));
    }

    /** Tells the contact manager how an RPC to a contact went. */
    private <T> CompletableFuture<T> tracked(Contact c, CompletableFuture<T> call) {
        return call.whenComplete((r, error) -> {
            if (error == null) {
                contacts.answered(c);
            } else {
                contacts.failed(c);
            }
        });
    }

    private LookupReply toLookupReply(RpcResponse response) {
        if (response instanceof RpcResponse.Value v) {
            return new LookupReply.Found(v.value());
        }
        if (response instanceof RpcResponse.UnusableValue) {
            return new LookupReply.Closer(List.of());  // it answered; its value is of no use to anyone
        }
        return new LookupReply.Closer(toContacts(((RpcResponse.Nodes) response).contacts()));
    }

    /**
     * Contacts from a reply that we can use: IP literals, valid ports, addresses a peer can have (see
     * {@link PeerAddressPolicy}), not us, not recently failed. The others are counted, not contacted.
     */
    private List<Contact> toContacts(List<WireContact> wire) {
        List<Contact> out = new ArrayList<>(wire.size());
        for (WireContact w : wire) {
            if (w.id().equals(id)) {
                continue;
            }
            Optional<InetSocketAddress> address = Endpoints.fromWire(w.host(), w.port());
            if (address.isEmpty() || !contacts.usable(address.get())) {
                counters.dropped(DropReason.UNUSABLE_CONTACT);
            } else if (!contacts.isQuarantined(address.get())) {
                out.add(new Contact(w.id(), address.get()));
            }
        }
        return out;
    }

    /**
     * Where a lookup starts: the closest contacts not in quarantine (all of them if every one is). When
     * the table is empty, a node that joined through bootstrap addresses joins through them again first:
     * a client whose few contacts all timed out on a busy network must not be stranded.
     */
    private CompletableFuture<List<Contact>> seeds(NodeId target) {
        List<Contact> closest = closestUsable(target);
        List<InetSocketAddress> rejoin = joinedThrough;
        if (!closest.isEmpty() || rejoin.isEmpty()) {
            return CompletableFuture.completedFuture(closest);
        }
        log.debug("no contacts left; joining through {} again", rejoin);
        return join(rejoin).thenApply(r -> closestUsable(target));
    }

    private List<Contact> closestUsable(NodeId target) {
        List<Contact> closest = routing.closest(target, config.k());
        List<Contact> usable = new ArrayList<>(closest);
        usable.removeIf(c -> contacts.isQuarantined(c.address()));
        return usable.isEmpty() ? closest : usable;
    }

    private static String describe(List<Contact> seeds) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < seeds.size() && i < 3; i++) {
            sb.append(i == 0 ? "" : ", ").append(seeds.get(i).endpoint());
        }
        return seeds.size() > 3 ? sb.append(", ...").toString() : sb.toString();
    }

    /**
     * Hands a future to the caller: completed on this node's callback threads rather than the socket or
     * timer threads (a caller's slow continuation must not stall the node), and failed when the node
     * closes first, so no caller waits on a node that is gone. Not the common pool: on a 2-core machine
     * CompletableFuture would start a new thread for every completion.
     */
    private <T> CompletableFuture<T> publish(CompletableFuture<T> inner) {
        CompletableFuture<T> outer = new CompletableFuture<>();
        if (closed.get()) {
            outer.completeExceptionally(new DhtException("node is closed"));
            return outer;
        }
        outstanding.add(outer);
        outer.whenComplete((r, e) -> outstanding.remove(outer));
        inner.whenCompleteAsync((r, e) -> {
            if (e != null) {
                outer.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            } else {
                outer.complete(r);
            }
        }, callbacks);
        return outer;
    }

    // ---------------------------------------------------------------------------------------------
    // Maintenance

    private void scheduledMaintenance() {
        try {
            maintain(clock.instant());
        } catch (RuntimeException e) {
            log.error("maintenance failed; will try again next round", e);
        }
    }

    /** Whether a republish run is under way; the next is due a republish interval after it ends. */
    private final AtomicBoolean republishing = new AtomicBoolean();

    /**
     * One round of upkeep at time {@code now}: expire values, forget old quarantine entries, question
     * quiet contacts, and when their time has come, republish and refresh buckets. Runs every
     * maintenance interval; tests call it directly with a moved clock.
     */
    public void maintain(Instant now) {
        storage.expire(now);
        quarantine.expire(now);
        contacts.checkQuietContacts(now);
        if (!config.clientOnly() && !now.isBefore(nextRepublish) && republishing.compareAndSet(false, true)) {
            // Runs never overlap: with many values a run can take longer than the interval, and a second
            // run over the same values would only double the traffic. The next is due an interval after
            // this one ends.
            CompletableFuture<Integer> run;
            try {
                run = republish(now);
            } catch (RuntimeException e) {
                republishing.set(false);
                throw e;
            }
            run.whenComplete((count, error) -> {
                nextRepublish = clock.instant().plus(config.republishInterval());
                republishing.set(false);
            });
        }
        if (!config.clientOnly() && !now.isBefore(nextRefresh)) {
            nextRefresh = now.plus(config.refreshInterval());
            refreshBuckets(now);
        }
    }

    /** Whether a republish run is under way (started by {@link #maintain}). */
    public boolean isRepublishing() {
        return republishing.get();
    }

    /** Removes expired values now; returns how many. */
    public int expire(Instant now) {
        return storage.expire(now);
    }

    /**
     * Stores again across the network every value this node has held for a republish interval or more,
     * as the original does hourly, so values survive the nodes that held them leaving. Completes with the
     * number of values republished.
     */
    public CompletableFuture<Integer> republish(Instant now) {
        List<StoredEntry> due = new ArrayList<>();
        for (StoredEntry e : storage.entries(now)) {
            if (!e.storedAt().plus(config.republishInterval()).isAfter(now)) {
                due.add(e);
            }
        }
        if (due.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        log.debug("republishing {} values", due.size());
        Iterator<StoredEntry> it = due.iterator();
        AtomicInteger done = new AtomicInteger();
        List<CompletableFuture<Void>> chains = new ArrayList<>();
        for (int i = 0; i < ContactManager.PUSH_CONCURRENCY; i++) {
            chains.add(republishNext(it, done));
        }
        return publish(CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).thenApply(v -> done.get()));
    }

    private CompletableFuture<Void> republishNext(Iterator<StoredEntry> it, AtomicInteger done) {
        StoredEntry e;
        synchronized (it) {
            if (!it.hasNext()) {
                return CompletableFuture.completedFuture(null);
            }
            e = it.next();
        }
        return seeds(e.key()).thenCompose(seeds -> lookupClosest(e.key(), seeds))
                .thenCompose(found -> storeOn(e.key(), e.value(), found.closest()))
                .handle((outcome, error) -> {
                    if (error == null) {
                        done.incrementAndGet();
                    } else {
                        log.debug("republishing {} failed: {}", e.key().shortHex(), error.getMessage());
                    }
                    return null;
                })
                // Through the maintenance thread: when stores complete at once (no contacts), chaining the
                // next entry directly would nest one stack frame per entry.
                .thenComposeAsync(ignored -> republishNext(it, done), maintenance);
    }

    private void refreshBuckets(Instant now) {
        for (NodeId target : routing.refreshTargets(now, config.refreshInterval(), maintenanceRandom)) {
            seeds(target).thenCompose(seeds -> lookupClosest(target, seeds));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Introspection

    public NodeStats stats() {
        return new NodeStats(routing.size(), storage.size(), storage.bytes(), counters.datagramsReceived(),
                counters.requestsServed(), counters.dropsByReason(), counters.rpcsSent(), counters.rpcTimeouts(),
                counters.lateReplies(), rpc.inFlight(), transport.handlerFailures());
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
        return publish(rpc.stun(node).thenApply(r -> Endpoints.fromWire(r.host(), r.port())
                .orElseThrow(() -> new DhtException("stun reply with unusable address " + r.host() + ":" + r.port()))));
    }

    /** Pings a node directly; completes with its id. */
    public CompletableFuture<NodeId> ping(InetSocketAddress node) {
        return publish(rpc.ping(node));
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
        maintenance.shutdownNow();
        transport.close();
        rpc.close();
        timer.shutdownNow();
        try {
            maintenance.awaitTermination(5, TimeUnit.SECONDS);
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        DhtException gone = new DhtException("node on " + Endpoints.format(localAddress()) + " closed");
        for (CompletableFuture<?> f : outstanding) {
            f.completeExceptionally(gone);
        }
        callbacks.shutdown();
        storage.close();
        log.debug("node {} closed", id.shortHex());
    }
}
