package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.Ed25519;
import dev.dhtsignal.dht.mainline.GetResult;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import dev.dhtsignal.dht.mainline.PutResult;
import dev.dhtsignal.signal.CompactContent;
import dev.dhtsignal.signal.SealedFormat;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.signal.SignalingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SignalBoard} on the BitTorrent Mainline DHT: each name is a BEP 44 mutable item, signed by an
 * Ed25519 key and stored under SHA-1(public key + salt).
 *
 * <pre>
 *  offer slot i    seed = secret.derive("mainline/offer/ed25519"),    salt = first 16 bytes of secret.derive("mainline/offer/salt")
 *                  ("offer#i" for i &gt; 0; the answer likewise, "answer")
 *  nameplate n     seed = SHA-256("webrtc-dht-signaling/pake/v1/mainline/n/offerer") (or "/answerer"), no salt
 * </pre>
 *
 * Only holders of the session's secret can sign its slots, so nobody else can overwrite them (DHT nodes
 * check the signature); their targets reveal neither the secret nor the name. Nameplate keys come from
 * public seeds: anyone can write them, as on the original network, and the key exchange does not rely on
 * who may write. A put signs a sequence number above the stored one and our clock in milliseconds, so the
 * latest write wins; an item whose number cannot be exceeded cannot be replaced, and the put fails.
 */
public final class MainlineBoard implements SignalBoard {
    private static final int SALT_LENGTH = 16;
    private static final int PUT_ATTEMPTS = 2;
    /**
     * The writes an exchange needs above the stored sequence number (a claim, a confirmation, a clearing, and
     * rewrites): an item with less room above it than this is treated as one that cannot be replaced.
     * Nameplate items can be signed by anyone (their keys come from public seeds), so anyone can write one
     * with seq 2^63-1, which no later write can pass; seq + 1 would overflow and be refused anyway.
     */
    static final long SEQ_HEADROOM = 1 << 20;

    private final MainlineNode node;
    private final SharedSecret secret;
    private final Clock clock;
    private final SignalFormat format;
    private final Map<BoardName, Item> items = new ConcurrentHashMap<>();

    private record Item(Ed25519.SigningKey key, byte[] salt, NodeId target) {
    }

    /** @param secret the session's secret; null for a board used for nameplates only */
    public MainlineBoard(MainlineNode node, SharedSecret secret, Clock clock) {
        this.node = node;
        this.secret = secret;
        this.clock = clock;
        this.format = secret == null ? null : new SealedFormat(secret, new CompactContent(MutableItem.MAX_VALUE_BYTES - 4));
    }

    private Item item(BoardName name) {
        return items.computeIfAbsent(name, this::derive);
    }

    /** The signing key of a nameplate's item: from a public seed, so anyone can compute it (and write the item). */
    public static Ed25519.SigningKey nameplateKey(int number, BoardName.Side side) {
        return Ed25519.fromSeed(sha256("webrtc-dht-signaling/pake/v1/mainline/" + number + "/"
                + side.name().toLowerCase(java.util.Locale.ROOT)));
    }

    private Item derive(BoardName name) {
        if (name instanceof BoardName.Nameplate n) {
            Ed25519.SigningKey key = nameplateKey(n.number(), n.side());
            return new Item(key, new byte[0], MutableItem.targetOf(key.publicKey(), new byte[0]));
        }
        if (secret == null) {
            throw new IllegalStateException("offer and answer slots on the Mainline DHT need the session's secret");
        }
        String label = slotLabel(name);
        Ed25519.SigningKey key = Ed25519.fromSeed(secret.derive("mainline/" + label + "/ed25519"));
        byte[] salt = Arrays.copyOf(secret.derive("mainline/" + label + "/salt"), SALT_LENGTH);
        return new Item(key, salt, MutableItem.targetOf(key.publicKey(), salt));
    }

    private static String slotLabel(BoardName name) {
        String base = name instanceof BoardName.Offer ? "offer" : "answer";
        int slot = name instanceof BoardName.Offer o ? o.slot() : ((BoardName.Answer) name).slot();
        return slot == 0 ? base : base + "#" + slot;
    }

    private static byte[] sha256(String label) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }

    /**
     * Writes our value with a sequence number above the stored one. The stored number is the one a get or put
     * of this node saw lately, when there is one (a poll keeps it current): then the write is one round trip to
     * the item's nodes. Otherwise, or when that write was refused (someone wrote a higher number meanwhile), the
     * item is read first. When no node stores it (seen on a network of nodes that had just started), the read
     * and the write are made once more: the second lookup usually finds nodes that take it.
     */
    @Override
    public CompletableFuture<Void> put(BoardName name, DhtValue value) {
        byte[] bytes = value.kind() == DhtValue.Kind.TEXT ? value.asText().getBytes(StandardCharsets.UTF_8) : value.asBytes();
        return putOnce(name, bytes, 1, true);
    }

    private CompletableFuture<Void> putOnce(BoardName name, byte[] value, int attempt, boolean trustSeen) {
        Item it = item(name);
        Optional<Long> seen = trustSeen ? node.lastSeq(it.target()) : Optional.empty();
        CompletableFuture<Long> storedSeq = seen.isPresent() ? CompletableFuture.completedFuture(seen.get())
                : node.get(it.target(), it.salt()).thenApply(found -> found.mutable().map(MutableItem::seq).orElse(-1L));
        return storedSeq.thenCompose(stored -> {
            if (stored > Long.MAX_VALUE - SEQ_HEADROOM) {
                throw new SignalingException(describe(name) + " holds an item with sequence number " + stored
                        + ", too close to the largest for our writes to pass it: it cannot be replaced");
            }
            long seq = Math.max(clock.millis(), stored + 1);
            return node.put(MutableItem.sign(it.key(), it.salt(), seq, value), Optional.empty());
        }).thenCompose(result -> {
            if (result.stored() > 0) {
                return CompletableFuture.completedFuture((Void) null);
            }
            if (seen.isPresent()) {
                return putOnce(name, value, attempt, false);  // what we saw was out of date: read, then write
            }
            if (attempt < PUT_ATTEMPTS) {
                return putOnce(name, value, attempt + 1, false);
            }
            throw new SignalingException(notStored(name, result));
        });
    }

    private String notStored(BoardName name, PutResult result) {
        return "no node of the Mainline DHT stored the value of " + describe(name) + " (" + result.tried() + " asked, "
                + PUT_ATTEMPTS + " times" + (result.refusals().isEmpty() ? "" : "; " + String.join("; ", result.refusals())) + ")";
    }

    @Override
    public CompletableFuture<List<DhtValue>> getAll(BoardName name) {
        Item it = item(name);
        return node.get(it.target(), it.salt()).thenApply(GetResult::mutable)
                .thenApply(found -> found.flatMap(MutableItem::valueBytes).map(v -> List.of(DhtValue.bytes(v))).orElse(List.of()));
    }

    /** A traversal to the item's nodes, unless one was made lately; what it finds serves the gets and puts that follow. */
    @Override
    public void lookAhead(BoardName name) {
        Item it = item(name);
        if (node.lastSeq(it.target()).isEmpty()) {
            node.get(it.target(), it.salt());
        }
    }

    @Override
    public CompletableFuture<Void> clear(BoardName name) {
        // A BEP 44 item cannot be deleted; an empty value is "nothing there" to every reader.
        return put(name, DhtValue.bytes(new byte[0]));
    }

    @Override
    public NodeId keyOf(BoardName name) {
        return item(name).target();
    }

    @Override
    public String describe(BoardName name) {
        String target = "item " + keyOf(name).shortHex();
        if (name instanceof BoardName.Nameplate n) {
            return "nameplate " + n.number() + " (" + n.side().name().toLowerCase(java.util.Locale.ROOT) + " " + target + ")";
        }
        return slotLabel(name).replace("#", " slot ") + " (" + target + ")";
    }

    @Override
    public String describeOffers(int slots) {
        return slots == 1 ? describe(BoardName.offer(0)) : "the " + slots + " offer slots of the session";
    }

    @Override
    public String where() {
        return "the Mainline DHT";
    }

    @Override
    public int maxValueBytes() {
        // The value is a byte string: its length prefix ("996:") counts against BEP 44's 1000 bytes.
        return MutableItem.MAX_VALUE_BYTES - 4;
    }

    @Override
    public boolean sealed() {
        return secret != null;
    }

    @Override
    public SignalFormat format() {
        if (format == null) {
            throw new IllegalStateException("a Mainline board without a secret holds nameplates only");
        }
        return format;
    }
}
