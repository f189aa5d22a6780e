package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.lookup.IterativeLookup;
import java.util.ArrayList;
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
 * The BEP 44 operations of a {@link MainlineNode} as a client: a get is an iterative lookup whose replies
 * may carry the item and a write token; a put is a get (for the tokens of the closest nodes) followed by
 * a put to each of them. The node sends the queries and runs the lookups.
 */
final class ItemLookups {
    private static final Logger log = LoggerFactory.getLogger(ItemLookups.class);

    private final MainlineNode node;

    ItemLookups(MainlineNode node) {
        this.node = node;
    }

    /**
     * Looks up a BEP 44 item: asks the nodes ever closer to {@code target} with {@code get}, keeps the verified
     * mutable item with the highest seq (or an immutable item that matches the target), and the write tokens
     * of the closest nodes.
     */
    CompletableFuture<GetResult> get(NodeId target, byte[] salt) {
        Map<Contact, byte[]> tokensByContact = new ConcurrentHashMap<>();
        AtomicReference<MutableItem> best = new AtomicReference<>();
        AtomicReference<ImmutableItem> immutable = new AtomicReference<>();
        IterativeLookup.Querier querier = c -> node.query(c.address(), c.id(), "get", Map.of("target", target.toBytes()))
                .thenApply(r -> {
                    Dict v = r.values();
                    try {
                        v.optBytes("token").ifPresent(t -> tokensByContact.put(c, t));
                        if (v.has("v")) {
                            readItem(target, salt, v).ifPresent(item -> {
                                if (item instanceof MutableItem m) {
                                    best.accumulateAndGet(m, (x, y) -> x == null || y.seq() > x.seq() ? y : x);
                                } else {
                                    immutable.compareAndSet(null, (ImmutableItem) item);
                                }
                            });
                        }
                    } catch (KrpcFormatException e) {
                        log.debug("get reply from {} unreadable: {}", c, e.getMessage());
                    }
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
            return new GetResult(Optional.ofNullable(best.get()), Optional.ofNullable(immutable.get()),
                    result.closest(), ofClosest, result.rpcs(), result.elapsed());
        });
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
     * Stores a mutable item on the k nodes closest to its target (a get lookup first, for their write
     * tokens). {@code cas}: only replace the item whose seq is this.
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
        return putAt(item.target(), item.salt(), a);
    }

    CompletableFuture<PutResult> put(ImmutableItem item) {
        return putAt(item.target(), new byte[0], Map.of("v", item.value()));
    }

    private CompletableFuture<PutResult> putAt(NodeId target, byte[] salt, Map<String, Object> arguments) {
        return get(target, salt).thenCompose(found -> {
            List<String> refusals = new CopyOnWriteArrayList<>();
            AtomicInteger stored = new AtomicInteger();
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (Contact c : found.closest()) {
                byte[] token = found.tokens().get(c);
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
                    return null;
                }));
            }
            int tried = sends.size();
            return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .thenApply(done -> new PutResult(stored.get(), tried, refusals));
        });
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
