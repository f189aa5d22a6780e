package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ice.IceServerIssuer;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.dht.net.DatagramHandler;
import dev.dhtsignal.dht.rpc.RateLimiter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ice_servers} KRPC query: which STUN and TURN servers a node offers, as on the original network
 * ({@code dev.dhtsignal.dht.ice}). Only our nodes know it; a node that follows BEP 5 answers an unknown
 * query with error 204, which the asking peer reads as "none".
 *
 * <pre>
 * query  {"a": {"id": ..., "pad": zeros}, "q": "ice_servers", ...}   padded to 1200 bytes
 * reply  {"r": {"id": ..., "stun": 0|1, "turn": [{"urls": [str], "username": str, "credential": str,
 *                                                   "expires": unix seconds}]}, ...}
 * </pre>
 *
 * The reply is never larger than the query that asked (one that would be is not sent), and one address
 * gets a few a minute ({@link IceServerIssuer}). Served in front of the node's own handler, so that the
 * node's query serving stays as it is: a datagram that is not this query goes on to it untouched.
 */
public final class MainlineIceServers {
    private static final Logger log = LoggerFactory.getLogger(MainlineIceServers.class);
    public static final String METHOD = "ice_servers";
    /** How long a peer makes its query: as on the original network, under IPv6's unfragmented 1232 bytes. */
    public static final int QUERY_BYTES = 1200;
    /** What every bencoded ice_servers query contains: the "q" key and its value. */
    private static final byte[] MARKER = "1:q11:ice_servers".getBytes(StandardCharsets.ISO_8859_1);
    private static final int MAX_ENTRIES = 8;

    private final IceServerIssuer issuer;
    private final RateLimiter limiter;
    private final Supplier<NodeId> self;
    private final BiConsumer<byte[], InetSocketAddress> sender;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    MainlineIceServers(IceServerIssuer issuer, RateLimiter limiter, Supplier<NodeId> self,
                       BiConsumer<byte[], InetSocketAddress> sender) {
        this.issuer = issuer;
        this.limiter = limiter;
        this.self = self;
        this.sender = sender;
    }

    /** The handler that answers ice_servers queries and passes everything else to {@code next}. */
    DatagramHandler inFrontOf(DatagramHandler next) {
        return (data, length, source) -> {
            if (!contains(data, length, MARKER) || !answer(data, length, source)) {
                next.onDatagram(data, length, source);
            }
        };
    }

    /** Answers the datagram if it is an ice_servers query (true), else leaves it (false). */
    private boolean answer(byte[] data, int length, InetSocketAddress source) {
        KrpcMessage.Query q;
        try {
            if (!(KrpcCodec.decode(data, length) instanceof KrpcMessage.Query query) || !query.method().equals(METHOD)) {
                return false;
            }
            q = query;
        } catch (KrpcFormatException e) {
            return false;  // the node's own handler drops and counts it
        }
        Optional<IceServerOffer> offer = limiter.admit(source.getAddress()) ? issuer.offerTo(source.getAddress())
                : Optional.empty();
        if (offer.isEmpty()) {
            refused.incrementAndGet();
            return true;
        }
        byte[] reply = KrpcCodec.encode(new KrpcMessage.Response(q.transactionId(), new Dict(values(offer.get())),
                Optional.of(source)));
        if (reply.length > length) {
            refused.incrementAndGet();
            log.debug("ice_servers query of {} bytes from {} is smaller than its {}-byte reply; not answered",
                    length, source, reply.length);
            return true;
        }
        answered.incrementAndGet();
        sender.accept(reply, source);
        return true;
    }

    private Map<String, Object> values(IceServerOffer offer) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", self.get().toBytes());
        r.put("stun", offer.stun() ? 1L : 0L);
        List<Object> turn = new ArrayList<>();
        for (TurnServer t : offer.turn()) {
            turn.add(Map.of("urls", List.copyOf(t.urls()), "username", t.username(), "credential", t.credential(),
                    "expires", t.expires().getEpochSecond()));
        }
        r.put("turn", turn);
        return r;
    }

    /** ice_servers queries answered, and those not answered (over the rate, or smaller than their reply). */
    long answered() {
        return answered.get();
    }

    long refused() {
        return refused.get();
    }

    /** The query's padding, so that with the rest the datagram is {@link #QUERY_BYTES} long. */
    static Map<String, Object> paddedArguments(byte[] transactionId, NodeId id, boolean readOnly) {
        int pad = 0;
        while (true) {
            Map<String, Object> a = Map.of("id", id.toBytes(), "pad", new byte[pad + 1]);
            if (KrpcCodec.encode(new KrpcMessage.Query(transactionId, METHOD, new Dict(a), readOnly)).length > QUERY_BYTES) {
                return Map.of("pad", new byte[pad]);
            }
            pad++;
        }
    }

    /** What {@link MainlineNode#iceServers} does: the padded query, its reply read, error 204 read as none. */
    static CompletableFuture<IceServerOffer> ask(MainlineNode node, InetSocketAddress to) {
        byte[] transactionShape = new byte[4];  // the node's transaction ids are 4 bytes
        return node.query(to, null, METHOD, paddedArguments(transactionShape, node.id(), node.readOnly()))
                .thenApply(r -> {
                    try {
                        return read(r);
                    } catch (KrpcFormatException e) {
                        throw new CompletionException(e);
                    }
                })
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    return cause instanceof KrpcErrorException k && k.code() == KrpcMessage.Error.METHOD_UNKNOWN
                            ? CompletableFuture.completedFuture(IceServerOffer.NONE) : CompletableFuture.failedFuture(cause);
                });
    }

    /** Reads a reply; a node that does not know the query answered 204, which the caller turns into none. */
    static IceServerOffer read(KrpcMessage.Response response) throws KrpcFormatException {
        Dict r = response.values();
        boolean stun = r.optInteger("stun").orElse(0L) == 1L;
        List<TurnServer> turn = new ArrayList<>();
        Object list = r.raw("turn");
        if (list != null) {
            if (!(list instanceof List<?> entries) || entries.size() > MAX_ENTRIES) {
                throw new KrpcFormatException("\"turn\" is not a list of at most " + MAX_ENTRIES);
            }
            for (Object entry : entries) {
                if (!(entry instanceof Map<?, ?> m)) {
                    throw new KrpcFormatException("a \"turn\" entry is not a dictionary");
                }
                @SuppressWarnings("unchecked")
                Dict d = new Dict((Map<String, Object>) m);
                List<String> urls = new ArrayList<>();
                if (!(d.raw("urls") instanceof List<?> u) || u.isEmpty() || u.size() > MAX_ENTRIES) {
                    throw new KrpcFormatException("\"urls\" is not a list of 1 to " + MAX_ENTRIES);
                }
                for (Object url : u) {
                    if (!(url instanceof byte[] b)) {
                        throw new KrpcFormatException("a TURN url is not a byte string");
                    }
                    urls.add(new String(b, StandardCharsets.UTF_8));
                }
                long expires = d.integer("expires");
                if (expires < 0 || expires > Instant.MAX.getEpochSecond()) {
                    throw new KrpcFormatException("TURN expires " + expires + " is not a time");
                }
                turn.add(new TurnServer(urls, d.string("username"), d.string("credential"), Instant.ofEpochSecond(expires)));
            }
        }
        return new IceServerOffer(stun, turn);
    }

    private static boolean contains(byte[] data, int length, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (data[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
