package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.lookup.IterativeLookup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BEP 44 operations of a {@link MainlineNode} as a client. The first get of a target is a traversal:
 * an iterative lookup whose replies may carry the item and a write token. What it found (the closest
 * nodes, their tokens, the newest item) is kept ({@link Neighbourhoods}), so that later gets of the same
 * target ask a few of those nodes directly, with the {@code seq} we hold, and a put goes straight to them
 * with their tokens: a round trip each instead of a traversal of several. A new traversal is made only when
 * those nodes stop answering or the knowledge grows old.
 */
final class ItemLookups {
    private static final Logger log = LoggerFactory.getLogger(ItemLookups.class);
    /**
     * How many of a target's nodes one direct get asks: enough that a lost reply or a lagging node does not
     * hide the item, few enough that polling two targets stays far under each node's flood limit. The
     * nodes asked rotate (the least asked lately first), so every node is asked within two polls.
     */
    static final int POLL_WIDTH = 4;

    private final MainlineNode node;
    private final Neighbourhoods near = new Neighbourhoods(System::nanoTime);
    /** Traversals under way, by target: a get that comes meanwhile (a warm-up, then the first poll) shares it. */
    private final Map<NodeId, CompletableFuture<GetResult>> traversing = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong traversals = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong directGets = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong directPuts = new java.util.concurrent.atomic.AtomicLong();

    ItemLookups(MainlineNode node) {
        this.node = node;
    }

    /** The newest item seen at the target lately, -1 when its nodes held none; empty when not looked at lately. */
    Optional<Long> lastSeq(NodeId target) {
        return near.known(target).map(k -> k.best().map(MutableItem::seq).orElse(-1L));
    }

    /**
     * Looks up a BEP 44 item: directly at the target's nodes when a traversal found them lately, else by a
     * traversal. Keeps the verified mutable item with the highest seq (or an immutable item that matches the
     * target), and the write tokens of the closest nodes.
     */
    CompletableFuture<GetResult> get(NodeId target, byte[] salt) {
        Optional<Neighbourhoods.Known> known = near.known(target);
        if (known.isEmpty()) {
            return traverse(target, salt);
        }
        return direct(target, salt, known.get()).thenCompose(r -> r.isPresent()
                ? CompletableFuture.completedFuture(r.get()) : traverse(target, salt));
    }

    /** The traversal: asks the nodes ever closer to the target with {@code get}, and remembers what it found. */
    private CompletableFuture<GetResult> traverse(NodeId target, byte[] salt) {
        CompletableFuture<GetResult> mine = new CompletableFuture<>();
        CompletableFuture<GetResult> running = traversing.putIfAbsent(target, mine);
        if (running != null) {
            return running;
        }
        newTraversal(target, salt).whenComplete((r, e) -> {
            traversing.remove(target, mine);
            if (e != null) {
                mine.completeExceptionally(e);
            } else {
                mine.complete(r);
            }
        });
        return mine;
    }

    ItemActivity activity() {
        return new ItemActivity(traversals.get(), directGets.get(), directPuts.get(), node.flood().stats());
    }

    private CompletableFuture<GetResult> newTraversal(NodeId target, byte[] salt) {
        traversals.incrementAndGet();
        Map<Contact, byte[]> tokensByContact = new ConcurrentHashMap<>();
        Replies replies = new Replies(target, salt, null);
        IterativeLookup.Querier querier = c -> node.query(c.address(), c.id(), "get", Map.of("target", target.toBytes()))
                .thenApply(r -> {
                    replies.read(c, r).ifPresent(t -> tokensByContact.put(c, t));
                    return node.closer(r, target);
                });
        return node.lookup(target, querier).thenApply(result -> {
            Map<Contact, byte[]> ofClosest = new HashMap<>();
            for (Contact c : result.closest()) {
                byte[] t = tokensByContact.get(c);
                if (t != null) {
                    ofClosest.put(c, t);
                }
            }
            near.traversed(target, result.closest(), ofClosest, replies.best.get());
            log.debug("traversal to {}: {} queries, {} ms, {} closest, seq {}", target.shortHex(), result.rpcs(),
                    result.elapsed().toMillis(), result.closest().size(),
                    replies.best.get() == null ? "-" : replies.best.get().seq());
            return new GetResult(Optional.ofNullable(replies.best.get()), Optional.ofNullable(replies.immutable.get()),
                    result.closest(), ofClosest, result.rpcs(), result.elapsed());
        });
    }

    /**
     * A get sent straight to a few of the target's known nodes, with the seq of the newest item we hold.
     * Empty when fewer than half of them answered: then they have gone, and a traversal finds the new ones.
     */
    private CompletableFuture<Optional<GetResult>> direct(NodeId target, byte[] salt, Neighbourhoods.Known known) {
        List<Contact> ask = pollOrder(known.closest());
        directGets.incrementAndGet();
        MutableItem held = known.best().orElse(null);
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("target", target.toBytes());
        if (held != null) {
            arguments.put("seq", held.seq());  // BEP 44: a node holding nothing newer sends no value back
        }
        Replies replies = new Replies(target, salt, held);
        long start = System.nanoTime();
        AtomicInteger answered = new AtomicInteger();
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        for (Contact c : ask) {
            asked.add(node.query(c.address(), c.id(), "get", arguments).handle((r, e) -> {
                if (e == null) {
                    answered.incrementAndGet();
                    replies.read(c, r).ifPresent(t -> near.heard(target, c, t, null));
                }
                return null;
            }));
        }
        return enough(asked, answered, (ask.size() + 1) / 2).thenApply(done -> {
            if (answered.get() * 2 < ask.size() || answered.get() == 0) {
                log.debug("{} of {} known nodes of {} answered: traversing again", answered.get(), ask.size(), target.shortHex());
                near.forget(target);
                return Optional.empty();
            }
            MutableItem best = replies.best.get();
            log.debug("direct get at {}: {} of {} answered in {} ms, seq {}", target.shortHex(), answered.get(), ask.size(),
                    (System.nanoTime() - start) / 1_000_000, best == null ? "-" : best.seq());
            near.heard(target, ask.get(0), null, best);
            Neighbourhoods.Known now = near.known(target).orElse(known);
            return Optional.of(new GetResult(Optional.ofNullable(best), Optional.ofNullable(replies.immutable.get()),
                    now.closest(), now.tokens(), ask.size(), Duration.ofNanos(System.nanoTime() - start)));
        });
    }

    /**
     * Completes when every query has ended, or, once {@code needed} have answered, when the others have been
     * silent for the node's stall time: a lost reply should not hold a poll up for a whole timeout.
     */
    private CompletableFuture<Void> enough(List<CompletableFuture<Void>> asked, AtomicInteger answered, int needed) {
        CompletableFuture<Void> all = CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new));
        CompletableFuture<Void> done = new CompletableFuture<>();
        all.whenComplete((v, e) -> done.complete(null));
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (done.isDone()) {
                    return;
                }
                if (answered.get() >= needed) {
                    done.complete(null);
                } else {
                    node.schedule(this, node.stallNanos());
                }
            }
        };
        node.schedule(check, node.stallNanos());
        return done;
    }

    /** The nodes a direct get asks: those not near their flood limit, the least asked lately first, then the closest. */
    private List<Contact> pollOrder(List<Contact> closest) {
        FloodLimit flood = node.flood();
        List<Contact> open = new ArrayList<>();
        for (Contact c : closest) {
            if (!flood.busy(c.address())) {
                open.add(c);
            }
        }
        if (open.isEmpty()) {
            open.addAll(closest);  // all near the limit: the limit itself holds back what would pass it
        }
        Map<Contact, Integer> rank = new HashMap<>();
        for (int i = 0; i < closest.size(); i++) {
            rank.put(closest.get(i), i);
        }
        Map<Contact, Integer> load = new HashMap<>();
        open.forEach(c -> load.put(c, flood.inWindow(c.address())));
        open.sort(Comparator.comparing((Contact c) -> load.get(c)).thenComparing(rank::get));
        return List.copyOf(open.subList(0, Math.min(POLL_WIDTH, open.size())));
    }

    /** What the replies of one get brought: the newest verified mutable item, an immutable item. */
    private static final class Replies {
        final NodeId target;
        final byte[] salt;
        /** The item we asked with: a reply that has it (seq, no value) confirms it is still there. */
        final MutableItem held;
        final AtomicReference<MutableItem> best = new AtomicReference<>();
        final AtomicReference<ImmutableItem> immutable = new AtomicReference<>();

        Replies(NodeId target, byte[] salt, MutableItem held) {
            this.target = target;
            this.salt = salt;
            this.held = held;
        }

        /** Reads one reply; returns the write token it carried. */
        Optional<byte[]> read(Contact from, KrpcMessage.Response r) {
            Dict v = r.values();
            try {
                Optional<byte[]> token = v.optBytes("token");
                if (v.has("v")) {
                    readItem(target, salt, v).ifPresent(item -> {
                        if (item instanceof MutableItem m) {
                            keep(m);
                        } else {
                            immutable.compareAndSet(null, (ImmutableItem) item);
                        }
                    });
                } else if (held != null && v.optInteger("seq").orElse(Long.MIN_VALUE) >= held.seq()) {
                    keep(held);  // nothing newer there: what we hold is still what it holds
                }
                return token;
            } catch (KrpcFormatException e) {
                log.debug("get reply from {} unreadable: {}", from, e.getMessage());
                return Optional.empty();
            }
        }

        private void keep(MutableItem m) {
            best.accumulateAndGet(m, (x, y) -> x == null || y.seq() > x.seq() ? y : x);
        }
    }

    /** An item from a get reply, if it is genuine for this target: signed by its key, or hashing to it. */
    private static Optional<Object> readItem(NodeId target, byte[] salt, Dict r) throws KrpcFormatException {
        Object v = r.raw("v");
        if (Bencoding.encodeValue(v).length > MutableItem.MAX_VALUE_BYTES) {
            return Optional.empty();
        }
        if (r.has("k")) {
            MutableItem m = new MutableItem(r.bytes("k", Ed25519.PUBLIC_KEY_LENGTH), salt, r.integer("seq"), v,
                    r.bytes("sig", Ed25519.SIGNATURE_LENGTH));
            return m.target().equals(target) && m.verify() ? Optional.of(m) : Optional.empty();
        }
        ImmutableItem i = new ImmutableItem(v);
        return i.target().equals(target) ? Optional.of(i) : Optional.empty();
    }

    /**
     * Stores a mutable item on the target's closest nodes: straight to them with the tokens a get gave
     * lately, or after a traversal for their tokens. {@code cas}: only replace the item whose seq is this.
     */
    CompletableFuture<PutResult> put(MutableItem item, Optional<Long> cas) {
        Map<String, Object> a = new HashMap<>();
        a.put("k", item.publicKey());
        a.put("seq", item.seq());
        a.put("sig", item.signature());
        a.put("v", item.value());
        if (item.salt().length > 0) {
            a.put("salt", item.salt());
        }
        cas.ifPresent(c -> a.put("cas", c));
        return putAt(item.target(), item.salt(), a).whenComplete((r, e) -> {
            if (r != null && r.stored() > 0) {
                near.stored(item.target(), item);
            }
        });
    }

    CompletableFuture<PutResult> put(ImmutableItem item) {
        return putAt(item.target(), new byte[0], Map.of("v", item.value()));
    }

    /**
     * Puts straight to the known nodes when at least half of them gave a token lately; when fewer than half
     * of those take it (gone, or their tokens no longer valid), and whenever nothing is known, a traversal
     * finds the nodes and their tokens first.
     */
    private CompletableFuture<PutResult> putAt(NodeId target, byte[] salt, Map<String, Object> arguments) {
        Optional<Neighbourhoods.Known> known = near.known(target);
        if (known.isPresent() && known.get().tokens().size() * 2 >= known.get().closest().size()) {
            directPuts.incrementAndGet();
            return putTo(known.get().closest(), known.get().tokens(), arguments).thenCompose(r -> {
                if (r.stored() > 0 && r.stored() * 2 >= r.tried()) {
                    return CompletableFuture.completedFuture(r);
                }
                log.debug("a direct put at {} was stored by {} of {}: traversing", target.shortHex(), r.stored(), r.tried());
                near.forget(target);
                return traverse(target, salt).thenCompose(found -> putTo(found.closest(), found.tokens(), arguments));
            });
        }
        return traverse(target, salt).thenCompose(found -> putTo(found.closest(), found.tokens(), arguments));
    }

    private CompletableFuture<PutResult> putTo(List<Contact> closest, Map<Contact, byte[]> tokens, Map<String, Object> arguments) {
        List<String> refusals = new CopyOnWriteArrayList<>();
        AtomicInteger stored = new AtomicInteger();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (Contact c : closest) {
            byte[] token = tokens.get(c);
            if (token == null) {
                continue;
            }
            Map<String, Object> a = new HashMap<>(arguments);
            a.put("token", token);
            sends.add(putOnce(c, a).handle((r, e) -> {
                if (e == null) {
                    stored.incrementAndGet();
                } else {
                    Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                    refusals.add(c.endpoint() + ": " + cause.getMessage());
                }
                return (Void) null;
            }));
        }
        int tried = sends.size();
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                .thenApply(done -> new PutResult(stored.get(), tried, refusals));
    }

    /** One put, sent again once if it timed out: a lost datagram should not cost a replica. */
    private CompletableFuture<KrpcMessage.Response> putOnce(Contact c, Map<String, Object> arguments) {
        return node.query(c.address(), c.id(), "put", arguments).handle((r, e) -> {
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            return cause instanceof TimeoutException
                    ? node.query(c.address(), c.id(), "put", arguments)
                    : e == null ? CompletableFuture.completedFuture(r) : CompletableFuture.<KrpcMessage.Response>failedFuture(cause);
        }).thenCompose(f -> f);
    }
}
