package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.net.PeerAddressPolicy;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.rpc.VerificationBudget;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.kademlia.rpc.RpcClient;
import dev.dhtsignal.dht.storage.StoredEntry;
import dev.dhtsignal.dht.storage.ValueStore;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who becomes a routing contact and who stops being one.
 *
 * <p>The original network adds anyone who sends it a request. That is how short-lived peers end up
 * handed out long after they exit, each costing every later lookup a timeout. Here a peer is added only
 * once it has answered an RPC of ours: a request from an unknown peer makes us ping it back first. Peers
 * that answer no one (clients such as the offerer and answerer) therefore never become contacts, and a
 * peer that fails to answer is dropped at once and quarantined for a while.
 *
 * <p>As in the original, a newcomer is sent the values for which it is now among the k closest nodes
 * while we are the closest ("welcoming" it), so data moves to the nodes responsible for it.
 */
final class ContactManager {
    private static final Logger log = LoggerFactory.getLogger(ContactManager.class);
    /** Verification pings in flight at once; beyond this, newcomers wait for their next request. */
    private static final int MAX_VERIFYING = 512;
    /** Stores in flight at once when handing values to a newcomer or republishing. */
    static final int PUSH_CONCURRENCY = 8;
    private static final int QUIET_PINGS_PER_ROUND = 32;

    private final NodeId self;
    private final int k;
    private final RoutingTable routing;
    private final Quarantine quarantine;
    private final RpcClient rpc;
    private final ValueStore storage;
    private final Clock clock;
    private final Executor background;
    private final Duration quietAfter;
    private final PeerAddressPolicy addresses;
    private final VerificationBudget verification;
    private final Set<InetSocketAddress> verifying = ConcurrentHashMap.newKeySet();
    /**
     * Where an address we asked last answered from, when that was elsewhere: a node bound to a wildcard
     * address answers from its primary address, and that is where it is recorded. Bounded.
     */
    private final Map<InetSocketAddress, InetSocketAddress> answersFrom = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, InetSocketAddress> eldest) {
                    return size() > MAX_REMEMBERED_ADDRESSES;
                }
            });
    private static final int MAX_REMEMBERED_ADDRESSES = 1024;

    ContactManager(NodeId self, int k, RoutingTable routing, Quarantine quarantine, RpcClient rpc, ValueStore storage,
                   Clock clock, Executor background, Duration quietAfter, PeerAddressPolicy addresses,
                   VerificationBudget verification) {
        this.self = self;
        this.k = k;
        this.routing = routing;
        this.quarantine = quarantine;
        this.rpc = rpc;
        this.storage = storage;
        this.clock = clock;
        this.background = background;
        this.quietAfter = quietAfter;
        this.addresses = addresses;
        this.verification = verification;
    }

    /** Whether requests from this address come from a contact (one that has answered our RPCs there). */
    boolean isVerified(InetSocketAddress source) {
        return routing.hasContactAt(source);
    }

    /**
     * Whether a peer may be contacted at this address: not one no peer can have, and not a loopback or
     * private one unless this node is on such an address itself (see {@link PeerAddressPolicy}).
     */
    boolean usable(InetSocketAddress address) {
        return addresses.usable(address);
    }

    /** The operator named these addresses to join: the node is on their scopes (e.g. a LAN's). */
    void joiningThrough(List<InetSocketAddress> given) {
        for (InetSocketAddress a : given) {
            if (!a.isUnresolved()) {
                addresses.allow(a.getAddress());
            }
        }
    }

    /** A request carrying {@code id} came from {@code source}: refresh a known contact, verify a new one. */
    void heardFrom(NodeId id, InetSocketAddress source) {
        if (id.equals(self)) {
            return;
        }
        addresses.observedSource(source.getAddress());
        Contact contact = new Contact(id, source);
        Instant now = clock.instant();
        if (!addresses.usable(source)) {
            return;
        }
        if (routing.knows(contact)) {
            routing.seen(contact, now);
            return;
        }
        if (quarantine.contains(source, now) || routing.wouldRefuse(contact) || verifying.size() >= MAX_VERIFYING) {
            return;  // another id holds that address, or another contact that IP: not trusted while they answer
        }
        if (!verification.tryVerify()) {
            return;  // out of verification budget: unverified, as a spoofed sender must stay
        }
        if (!verifying.add(source)) {
            return;
        }
        rpc.ping(source).whenComplete((answeredId, error) -> {
            verifying.remove(source);
            if (error != null) {
                quarantine.add(source, clock.instant());
            } else if (answeredId.equals(id)) {
                answered(contact);
            } else {
                log.debug("{} sent requests as {} but answers as {}; ignored", source, id.shortHex(), answeredId.shortHex());
            }
        });
    }

    /** A reply to a request sent to {@code asked} came from {@code from} (see {@link RpcClient}). */
    void answeredFrom(InetSocketAddress asked, InetSocketAddress from) {
        addresses.observedSource(from.getAddress());
        answersFrom.put(asked, from);
    }

    /** The contact as it answers: at the address its replies come from. */
    private Contact whereItAnswers(Contact asked) {
        InetSocketAddress from = answersFrom.get(asked.address());
        return from == null ? asked : new Contact(asked.id(), from);
    }

    /** A contact answered one of our RPCs. */
    void answered(Contact asked) {
        Contact contact = whereItAnswers(asked);
        if (!addresses.usable(contact.address())) {
            return;
        }
        Instant now = clock.instant();
        quarantine.release(contact.address());
        RoutingTable.Outcome outcome = routing.seen(contact, now);
        if (outcome == RoutingTable.Outcome.ADDED) {
            log.debug("new contact {}", contact);
            background.execute(() -> welcome(contact));
        } else if (outcome == RoutingTable.Outcome.CACHED) {
            // Its bucket is full. Question the member silent longest; if it is gone, the newcomer moves in.
            routing.questionableIn(contact.id(), now, quietAfter).ifPresent(this::confirmAlive);
        }
    }

    /**
     * One of our RPCs to this contact got no usable reply. A contact in the table is dropped (and
     * quarantined) once it has failed {@link RoutingTable#MAX_FAILURES} times in a row; one that is not in
     * the table (learned from someone's reply, never verified) is quarantined at once, so lookups stop
     * asking it. A late reply lifts the quarantine ({@link #lateReply}).
     */
    void failed(Contact contact) {
        boolean known = routing.contains(contact);
        if (routing.failed(contact)) {
            log.debug("dropped contact {}: no reply", contact);
            quarantine.add(contact.address(), clock.instant());
        } else if (!known) {
            quarantine.add(contact.address(), clock.instant());
        }
    }

    /** A reply came after its request had timed out: the sender is slow, not gone. */
    void lateReply(InetSocketAddress from) {
        quarantine.release(from);
        routing.answeredAt(from, clock.instant());
    }

    boolean isQuarantined(InetSocketAddress address) {
        return quarantine.contains(address, clock.instant());
    }

    private void confirmAlive(Contact contact) {
        rpc.ping(contact.address()).whenComplete((id, error) -> {
            if (error == null && id.equals(contact.id())) {
                answered(contact);
            } else {
                failed(contact);
            }
        });
    }

    /** Pings contacts that have been silent a while, so dead ones leave the table before anyone is handed them. */
    void checkQuietContacts(Instant now) {
        for (Contact c : routing.quietContacts(now, quietAfter, QUIET_PINGS_PER_ROUND)) {
            confirmAlive(c);
        }
    }

    /**
     * Sends {@code newcomer} every value for which it is now among the k closest known nodes and we are
     * closer than any other contact (so only one node of the neighbourhood does it): {@link HandOverRule}.
     * The original digests the key a second time here by mistake; we use the key itself.
     */
    private void welcome(Contact newcomer) {
        List<StoredEntry> entries = storage.entries(clock.instant());
        if (entries.isEmpty()) {
            return;
        }
        List<NodeId> others = new ArrayList<>();
        for (Contact c : routing.all()) {
            if (!c.id().equals(newcomer.id())) {
                others.add(c.id());
            }
        }
        HandOverRule rule = new HandOverRule(self, newcomer.id(), others, k);
        List<StoredEntry> toPush = new ArrayList<>();
        for (StoredEntry e : entries) {
            if (rule.shouldHandOver(e.key())) {
                toPush.add(e);
            }
        }
        if (!toPush.isEmpty()) {
            log.debug("handing {} values to new contact {}", toPush.size(), newcomer);
            storeAll(newcomer, toPush);
        }
    }

    private void storeAll(Contact to, List<StoredEntry> entries) {
        Iterator<StoredEntry> it = entries.iterator();
        for (int i = 0; i < PUSH_CONCURRENCY; i++) {
            storeNext(to, it);
        }
    }

    /** One chain of stores: each starts when the previous ends, so at most PUSH_CONCURRENCY are in flight. */
    private void storeNext(Contact to, Iterator<StoredEntry> it) {
        StoredEntry e;
        synchronized (it) {
            if (!it.hasNext()) {
                return;
            }
            e = it.next();
        }
        CompletableFuture<Boolean> store = rpc.store(to.address(), e.key(), e.value());
        store.whenComplete((ok, error) -> {
            if (error != null) {
                failed(to);
                return;  // no point sending more to a peer that does not answer
            }
            storeNext(to, it);
        });
    }
}
