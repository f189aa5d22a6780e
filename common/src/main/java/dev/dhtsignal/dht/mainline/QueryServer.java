package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.rpc.RateLimiter;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import dev.dhtsignal.dht.rpc.VerificationBudget;
import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What a full Mainline node answers, to whom, and at what cost: the queries of BEP 5 ({@code ping},
 * {@code find_node}, {@code get_peers}, {@code announce_peer}) and BEP 44 ({@code get}, {@code put}), within
 * the same limits as the original network's node:
 * <ul>
 *   <li>queries over the rates of {@link RateLimiter} (per address, per /24 or /64, in total) are dropped;</li>
 *   <li>what is stored for others is shared out by source ({@link ItemStore}, {@link PeerStore});</li>
 *   <li>a sender that is not a contact (not verified: its address may be forged) is answered from an
 *       {@link UnverifiedBudget} earned byte for byte by what such senders send, so that a forged query
 *       cannot make this node send a victim more than the forger sent; an answer that does not fit is cut
 *       down ({@link Answer#encodeWithin}) or not sent. An 85-byte {@code get} for a stored item would
 *       otherwise bring about 1.2 KB back.</li>
 * </ul>
 * Runs on the receiver thread. Thread-safe.
 */
final class QueryServer {
    /** Size of our ping, what a verification ping costs the budget: a 4-byte transaction id and our id. */
    static final int PING_BYTES = KrpcCodec.encode(new KrpcMessage.Query(new byte[4], "ping",
            new Dict(Map.of("id", new byte[NodeId.LENGTH])), false)).length;

    private final Supplier<RoutingTable> routing;
    private final UdpTransport transport;
    private final Clock clock;
    private final int k;
    private final RateLimiter limiter;
    private final UnverifiedBudget unverified;
    private final VerificationBudget verification;
    private final WriteTokens tokens;
    private final ItemStore items;
    private final PeerStore peers;

    private final AtomicLong served = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong overQuota = new AtomicLong();
    private final AtomicLong cutToBudget = new AtomicLong();
    private final AtomicLong droppedForBudget = new AtomicLong();

    QueryServer(MainlineConfig config, Supplier<RoutingTable> routing, UdpTransport transport) {
        this.routing = routing;
        this.transport = transport;
        this.clock = config.clock();
        this.k = config.k();
        RateLimits limits = config.rateLimits();
        this.limiter = new RateLimiter(limits);
        this.unverified = new UnverifiedBudget(limits.unverifiedBytesPerSecond(), limits.unverifiedReserveBytes(),
                System::nanoTime);
        this.verification = new VerificationBudget(limits.verifyPingsPerSecond(), PING_BYTES, unverified, System::nanoTime);
        this.tokens = new WriteTokens(clock);
        this.items = new ItemStore(config.items(), config.itemLifetime());
        this.peers = new PeerStore(config.peers());
    }

    /** The per-source rate limits queries are held to; STUN requests on the same port share them. */
    RateLimiter limiter() {
        return limiter;
    }

    /** The byte budget of replies to senders not verified; STUN replies share it. */
    UnverifiedBudget unverified() {
        return unverified;
    }

    /**
     * Answers one query of {@code length} bytes from {@code source}; returns whether it was a query this
     * node serves and could read (its sender may then be worth verifying), within the rate limits.
     */
    boolean serve(KrpcMessage.Query q, int length, InetSocketAddress source) {
        if (!limiter.admit(source.getAddress())) {
            rateLimited.incrementAndGet();
            return false;
        }
        Answer answer;
        boolean readable = true;
        try {
            answer = answer(q, source);
        } catch (KrpcFormatException | IllegalArgumentException e) {
            // IllegalArgumentException: a well-formed message whose content a record refuses (sizes, ids).
            malformed.incrementAndGet();
            readable = false;
            answer = Answer.error(new KrpcMessage.Error(q.transactionId(), KrpcMessage.Error.PROTOCOL,
                    String.valueOf(e.getMessage())));
        }
        served.incrementAndGet();
        send(answer, length, source);
        return readable;
    }

    /** Sends an answer: whole to a contact, within the unverified budget to anyone else. */
    private void send(Answer answer, int length, InetSocketAddress source) {
        byte[] out;
        if (!unverified.isLimited() || routing.get().hasContactAt(source)) {
            out = answer.encode();
        } else {
            int available = unverified.earn(length);
            out = answer.encodeWithin(available);
            if (out == null || !unverified.trySpend(out.length)) {
                droppedForBudget.incrementAndGet();
                return;
            }
            if (out.length < answer.encode().length) {  // encoded once, in encodeWithin
                cutToBudget.incrementAndGet();
            }
        }
        transport.send(out, source);
    }

    /** Whether a verification ping may go to an unknown sender now (see {@link VerificationBudget}). */
    boolean mayVerify() {
        return verification.tryVerify();
    }

    private Answer answer(KrpcMessage.Query q, InetSocketAddress source) throws KrpcFormatException {
        Dict a = q.arguments();
        byte[] t = q.transactionId();
        Map<String, Object> always = new HashMap<>();
        always.put("id", routing.get().self().toBytes());
        Instant now = clock.instant();
        return switch (q.method()) {
            case "ping" -> Answer.response(t, always, null, List.of(), Map.of(), source);
            case "find_node" -> answerWithNodes(t, always, a, a.id("target"), List.of(), Map.of(), source);
            case "get_peers" -> {
                NodeId infoHash = a.id("info_hash");
                always.put("token", tokens.issue(source.getAddress()));
                List<byte[]> values = new ArrayList<>();
                for (InetSocketAddress p : peers.peers(infoHash, source.getAddress() instanceof Inet6Address, now)) {
                    values.add(CompactAddress.encode(p));
                }
                // As libtorrent does: the nodes too, so that a lookup goes on to the closest nodes.
                yield answerWithNodes(t, always, a, infoHash, values, Map.of(), source);
            }
            case "announce_peer" -> announce(q, a, source, now);
            case "get" -> {
                NodeId target = a.id("target");
                always.put("token", tokens.issue(source.getAddress()));
                yield answerWithNodes(t, always, a, target, List.of(), itemParts(target, a.optInteger("seq"), now), source);
            }
            case "put" -> put(q, a, source, now);
            default -> Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.METHOD_UNKNOWN,
                    "method unknown: " + q.method()));
        };
    }

    /** A reply with the contacts closest to {@code target} in the node lists the querier wants (BEP 32). */
    private Answer answerWithNodes(byte[] t, Map<String, Object> always, Dict a, NodeId target, List<byte[]> values,
                                   Map<String, Object> item, InetSocketAddress source) {
        NodeFamilies.Want want = NodeFamilies.Want.of(a, source);
        return Answer.response(t, always, NodeFamilies.closest(routing.get(), target, k, source, want), want, values,
                item, source);
    }

    /** The fields of a stored item for a get reply; only {@code seq} when the asker has that one or newer. */
    private Map<String, Object> itemParts(NodeId target, Optional<Long> newerThan, Instant now) {
        Map<String, Object> r = new HashMap<>();
        items.get(target, now).ifPresent(item -> {
            if (item instanceof MutableItem m) {
                r.put("seq", m.seq());
                if (newerThan.isEmpty() || m.seq() > newerThan.get()) {
                    r.put("k", m.publicKey());
                    r.put("sig", m.signature());
                    r.put("v", m.value());
                }
            } else if (item instanceof ImmutableItem i) {
                r.put("v", i.value());
            }
        });
        return r;
    }

    /**
     * BEP 5: stores the announcer's address with the port it names (or, with {@code implied_port}, the
     * port it sent from), if it holds a write token we gave its address.
     */
    private Answer announce(KrpcMessage.Query q, Dict a, InetSocketAddress source, Instant now) throws KrpcFormatException {
        byte[] t = q.transactionId();
        NodeId infoHash = a.id("info_hash");
        if (!tokens.isValid(a.bytes("token"), source.getAddress())) {
            return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.PROTOCOL, "bad or expired write token"));
        }
        long port = a.optInteger("implied_port").orElse(0L) != 0 ? source.getPort() : a.integer("port");
        if (port < 1 || port > 65535) {
            throw new KrpcFormatException("port " + port + " is not in 1..65535");
        }
        PeerStore.Outcome outcome = peers.announce(infoHash, new InetSocketAddress(source.getAddress(), (int) port), now);
        if (outcome != PeerStore.Outcome.STORED) {
            overQuota.incrementAndGet();
            return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.SERVER, quotaMessage(
                    outcome == PeerStore.Outcome.OVER_ADDRESS_QUOTA, "announced peers")));
        }
        return Answer.response(t, Map.of("id", routing.get().self().toBytes()), null, List.of(), Map.of(), source);
    }

    private static String quotaMessage(boolean address, String what) {
        return (address ? "your address" : "your network") + " holds its share of the " + what + " this node keeps";
    }

    /** Stores a put's item; answers with an error when it is refused. */
    private Answer put(KrpcMessage.Query q, Dict a, InetSocketAddress source, Instant now) throws KrpcFormatException {
        byte[] t = q.transactionId();
        Object v = a.raw("v");
        if (v == null) {
            throw new KrpcFormatException("put without \"v\"");
        }
        if (Bencoding.encodeValue(v).length > MutableItem.MAX_VALUE_BYTES) {
            return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.VALUE_TOO_BIG, "v is over 1000 bytes"));
        }
        if (!tokens.isValid(a.bytes("token"), source.getAddress())) {
            return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.PROTOCOL, "bad or expired write token"));
        }
        ItemStore.Outcome outcome;
        if (!a.has("k")) {
            outcome = items.putImmutable(new ImmutableItem(v), source.getAddress(), now);
        } else {
            byte[] salt = a.optBytes("salt").orElse(new byte[0]);
            if (salt.length > MutableItem.MAX_SALT_BYTES) {
                return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.SALT_TOO_BIG, "salt is over 64 bytes"));
            }
            MutableItem item = new MutableItem(a.bytes("k", Ed25519.PUBLIC_KEY_LENGTH), salt, a.integer("seq"), v,
                    a.bytes("sig", Ed25519.SIGNATURE_LENGTH));
            if (!item.verify()) {
                return Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.SIGNATURE_INVALID, "invalid signature"));
            }
            outcome = items.putMutable(item, a.optInteger("cas"), source.getAddress(), now);
        }
        return switch (outcome) {
            case STORED -> Answer.response(t, Map.of("id", routing.get().self().toBytes()), null, List.of(), Map.of(), source);
            case CAS_MISMATCH -> Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.CAS_MISMATCH,
                    "CAS mismatch, re-read and try again"));
            case SEQ_TOO_LOW -> Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.SEQ_TOO_LOW,
                    "sequence number less than current"));
            case OVER_ADDRESS_QUOTA, OVER_NETWORK_QUOTA -> {
                overQuota.incrementAndGet();
                yield Answer.error(new KrpcMessage.Error(t, KrpcMessage.Error.SERVER,
                        quotaMessage(outcome == ItemStore.Outcome.OVER_ADDRESS_QUOTA, "items")));
            }
        };
    }

    /** Forgets expired items and announces. */
    void expire(Instant now) {
        items.expire(now);
        peers.expire(now);
    }

    int items() {
        return items.size();
    }

    int peers() {
        return peers.size();
    }

    long evicted() {
        return items.evicted() + peers.evicted();
    }

    long served() {
        return served.get();
    }

    long malformed() {
        return malformed.get();
    }

    long rateLimited() {
        return rateLimited.get();
    }

    long overQuota() {
        return overQuota.get();
    }

    long cutToBudget() {
        return cutToBudget.get();
    }

    long droppedForBudget() {
        return droppedForBudget.get();
    }
}
