package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.rpc.RpcClient;
import dev.dhtsignal.dht.kademlia.rpc.TrafficCounters;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireContact;
import dev.dhtsignal.dht.lookup.IterativeLookup;
import dev.dhtsignal.dht.lookup.LookupReply;
import dev.dhtsignal.dht.lookup.LookupResult;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.dht.storage.ValueStore;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's walks through the network: joining, finding the closest nodes to a key, finding a value, and
 * storing on the closest nodes. Every RPC's outcome is reported to the contact manager, which decides who
 * stays a contact.
 */
final class Lookups {
    private static final Logger log = LoggerFactory.getLogger(Lookups.class);

    private final KademliaConfig config;
    private final NodeId id;
    private final RoutingTable routing;
    private final RpcClient rpc;
    private final ContactManager contacts;
    private final TrafficCounters counters;
    private final ValueStore storage;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    /** The addresses last joined through: where to join again if every contact is lost. */
    private volatile List<InetSocketAddress> joinedThrough = List.of();

    Lookups(KademliaConfig config, NodeId id, RoutingTable routing, RpcClient rpc, ContactManager contacts,
            TrafficCounters counters, ValueStore storage, ScheduledExecutorService timer) {
        this.config = config;
        this.id = id;
        this.routing = routing;
        this.rpc = rpc;
        this.contacts = contacts;
        this.counters = counters;
        this.storage = storage;
        this.clock = config.clock();
        this.timer = timer;
    }

    /**
     * Pings each address, then looks up our own id through those that answered, filling the routing
     * table. Completes (never fails) with who answered and who did not. The addresses are remembered for
     * joining again.
     */
    CompletableFuture<BootstrapResult> bootstrap(List<InetSocketAddress> addresses) {
        joinedThrough = List.copyOf(addresses);
        contacts.joiningThrough(joinedThrough);
        return join(addresses);
    }

    private CompletableFuture<BootstrapResult> join(List<InetSocketAddress> addresses) {
        List<CompletableFuture<Contact>> pings = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            pings.add(rpc.ping(a).handle((nodeId, error) -> error == null ? new Contact(nodeId, a) : null));
        }
        return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
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
            return lookupClosest(id, reached).thenApply(r -> new BootstrapResult(reached, unanswered, routing.size()));
        });
    }

    /** Finds the closest nodes to {@code key} and stores the value on them (and here, when among them). */
    CompletableFuture<PutOutcome> store(NodeId key, DhtValue value) {
        return seeds(key).thenCompose(seeds -> lookupClosest(key, seeds))
                .thenCompose(found -> storeOn(key, value, found.closest()));
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

    /** A find_value lookup from the closest contacts we know. */
    CompletableFuture<LookupResult> findValue(NodeId key) {
        return seeds(key).thenCompose(seeds -> findValue(key, seeds));
    }

    private CompletableFuture<LookupResult> findValue(NodeId key, List<Contact> seeds) {
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

    /** A find_node lookup for {@code target} from the closest contacts we know (refreshing a bucket). */
    CompletableFuture<LookupResult> findClosest(NodeId target) {
        return seeds(target).thenCompose(seeds -> lookupClosest(target, seeds));
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
    private static CompletableFuture<LookupResult> onceMoreIfNobodyAnswered(
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
     * {@code PeerAddressPolicy}), not us, not recently failed. The others are counted, not contacted.
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
}
