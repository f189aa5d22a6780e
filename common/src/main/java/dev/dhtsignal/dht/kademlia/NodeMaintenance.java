package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.Quarantine;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.storage.StoredEntry;
import dev.dhtsignal.dht.storage.ValueStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's upkeep, one round every maintenance interval: expire values, forget old quarantine entries,
 * question quiet contacts, and when their time has come, republish values and refresh buckets. Takes
 * the time as a parameter, so tests can move it.
 */
final class NodeMaintenance {
    private static final Logger log = LoggerFactory.getLogger(NodeMaintenance.class);

    private final KademliaConfig config;
    private final ValueStore storage;
    private final Quarantine quarantine;
    private final ContactManager contacts;
    private final RoutingTable routing;
    private final Lookups lookups;
    private final Executor thread;
    private final Clock clock;
    private final Random random;
    /** Whether a republish run is under way; the next is due a republish interval after it ends. */
    private final AtomicBoolean republishing = new AtomicBoolean();
    private volatile Instant nextRepublish;
    private volatile Instant nextRefresh;

    /** @param thread the maintenance thread, on which long republish runs continue */
    NodeMaintenance(KademliaConfig config, ValueStore storage, Quarantine quarantine, ContactManager contacts,
                    RoutingTable routing, Lookups lookups, Executor thread) {
        this.config = config;
        this.storage = storage;
        this.quarantine = quarantine;
        this.contacts = contacts;
        this.routing = routing;
        this.lookups = lookups;
        this.thread = thread;
        this.clock = config.clock();
        this.random = new Random(config.random().nextLong());
        Instant now = clock.instant();
        this.nextRepublish = now.plus(config.republishInterval());
        this.nextRefresh = now.plus(config.refreshInterval());
    }

    /** One round at the clock's time; a failure is logged and the next round tries again. */
    void scheduled() {
        try {
            maintain(clock.instant());
        } catch (RuntimeException e) {
            log.error("maintenance failed; will try again next round", e);
        }
    }

    void maintain(Instant now) {
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
            for (NodeId target : routing.refreshTargets(now, config.refreshInterval(), random)) {
                lookups.findClosest(target);
            }
        }
    }

    boolean isRepublishing() {
        return republishing.get();
    }

    /**
     * Stores again across the network every value this node has held for a republish interval or more,
     * as the original does hourly, so values survive the nodes that held them leaving. Completes with the
     * number of values republished.
     */
    CompletableFuture<Integer> republish(Instant now) {
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
        return CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).thenApply(v -> done.get());
    }

    private CompletableFuture<Void> republishNext(Iterator<StoredEntry> it, AtomicInteger done) {
        StoredEntry e;
        synchronized (it) {
            if (!it.hasNext()) {
                return CompletableFuture.completedFuture(null);
            }
            e = it.next();
        }
        return lookups.store(e.key(), e.value())
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
                .thenComposeAsync(ignored -> republishNext(it, done), thread);
    }
}
