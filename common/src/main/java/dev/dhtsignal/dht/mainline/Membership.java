package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link MainlineNode} joins the network and stays in it: a {@code find_node} for our own id to each
 * bootstrap address, then (a full node) a lookup of our id, so that our neighbours learn of us; and every
 * 30 s, pings to contacts gone quiet, lookups that refresh stale buckets, and a new join through the same
 * addresses when every contact has failed.
 */
final class Membership {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    static final Duration MAINTENANCE_EVERY = Duration.ofSeconds(30);
    private static final Duration QUIET_AFTER = Duration.ofMinutes(10);
    private static final Duration REFRESH_EVERY = Duration.ofMinutes(15);

    private final MainlineNode node;
    private final Supplier<RoutingTable> routing;
    private final Consumer<Instant> expire;
    private final SecureRandom random = new SecureRandom();
    private final List<InetSocketAddress> addresses = new CopyOnWriteArrayList<>();

    /** @param expire drops what has expired (stored items, quarantined addresses) at each maintenance */
    Membership(MainlineNode node, Supplier<RoutingTable> routing, Consumer<Instant> expire) {
        this.node = node;
        this.routing = routing;
        this.expire = expire;
    }

    /** Completes with how many addresses answered, once {@code enough} have, or all have answered or failed. */
    CompletableFuture<Integer> join(List<InetSocketAddress> through, int enough) {
        for (InetSocketAddress a : through) {
            if (!addresses.contains(a)) {
                addresses.add(a);
            }
        }
        List<CompletableFuture<Boolean>> asked = new ArrayList<>();
        CompletableFuture<Void> enoughAnswered = new CompletableFuture<>();
        AtomicInteger answered = new AtomicInteger();
        for (InetSocketAddress a : through) {
            CompletableFuture<Boolean> one = new CompletableFuture<>();
            node.query(a, null, "find_node", Map.of("target", node.id().toBytes())).whenComplete((r, e) -> {
                if (e == null && answered.incrementAndGet() >= enough) {
                    enoughAnswered.complete(null);
                }
                one.complete(e == null);
            });
            asked.add(one);
        }
        return CompletableFuture.anyOf(CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)), enoughAnswered)
                .thenCompose(done -> {
                    int reached = answered.get();
                    if (reached == 0 || node.readOnly()) {
                        // Nobody looks a read-only node up, so it need not announce itself: its first lookup of
                        // a key starts from the nodes that answered here.
                        return CompletableFuture.completedFuture(reached);
                    }
                    return node.findNode(node.id()).thenApply(found -> reached);
                });
    }

    boolean canRejoin() {
        return !addresses.isEmpty();
    }

    /** Joins again through every address joined through before. */
    CompletableFuture<Integer> rejoin() {
        List<InetSocketAddress> all = List.copyOf(addresses);
        return join(all, all.size());
    }

    /** The periodic upkeep; never throws (the timer would stop running it). */
    void maintain() {
        try {
            Instant now = node.clock().instant();
            expire.accept(now);
            RoutingTable table = routing.get();
            if (table.size() == 0 && canRejoin()) {
                rejoin();
                return;
            }
            for (Contact c : table.quietContacts(now, QUIET_AFTER, 8)) {
                node.query(c.address(), c.id(), "ping", Map.of());
            }
            for (NodeId target : table.refreshTargets(now, REFRESH_EVERY, random)) {
                node.findNode(target);
            }
        } catch (RuntimeException e) {
            log.warn("maintenance failed; it runs again in {} s", MAINTENANCE_EVERY.toSeconds(), e);
        }
    }
}
