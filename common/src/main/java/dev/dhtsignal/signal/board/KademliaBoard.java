package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.signal.JsonContent;
import dev.dhtsignal.signal.PlainFormat;
import dev.dhtsignal.signal.SealedFormat;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SignalBoard} on the original network, through a {@link KademliaNode}. Where each name goes:
 *
 * <pre>
 *  offer slot i, plain    SHA-1("webrtc-offer") for slot 0 (the original peers' key), SHA-1("webrtc-offer#i")
 *  offer slot i, sealed   SharedSecret.dhtKey("webrtc-offer#i")         (the answer likewise, "webrtc-answer")
 *  nameplate n            SHA-1("webrtc-offer/pake/v1/n") for the offerer's value, "webrtc-answer/..." for the answerer's
 * </pre>
 *
 * with the configured key names ({@code --offer-key}, {@code --answer-key}). Plain values are the JSON
 * text the original peers read and write; sealed ones are bytes. Each node near a key may hold its own
 * value, so a read returns every distinct one.
 */
public final class KademliaBoard implements SignalBoard {
    private final KademliaNode node;
    private final SharedSecret secret;
    private final String offerName;
    private final String answerName;
    private final String where;
    private final SignalFormat format;
    private final Map<BoardName, NodeId> keys = new ConcurrentHashMap<>();

    private KademliaBoard(KademliaNode node, SharedSecret secret, String offerName, String answerName, String where) {
        if (offerName.equals(answerName)) {
            throw new IllegalArgumentException("the offer and answer keys must differ, both are '" + offerName + "'");
        }
        this.node = node;
        this.secret = secret;
        this.offerName = offerName;
        this.answerName = answerName;
        this.where = where;
        this.format = secret == null ? new PlainFormat() : new SealedFormat(secret, new JsonContent());
    }

    /**
     * A board whose slots anyone can read, under the configured names; nameplates are always public.
     *
     * @param where the node joined, in words: "the DHT at 127.0.0.1:8468"
     */
    public static KademliaBoard plain(KademliaNode node, String offerName, String answerName, String where) {
        return new KademliaBoard(node, null, offerName, answerName, where);
    }

    /** A board whose slots are keyed and sealed by a shared secret. */
    public static KademliaBoard sealed(KademliaNode node, SharedSecret secret, String offerName, String answerName,
                                       String where) {
        return new KademliaBoard(node, secret, offerName, answerName, where);
    }

    @Override
    public CompletableFuture<Void> put(BoardName name, DhtValue value) {
        return node.putDigest(keyOf(name), value).thenApply(outcome -> null);
    }

    @Override
    public CompletableFuture<List<DhtValue>> getAll(BoardName name) {
        return node.getAllDigest(keyOf(name));
    }

    @Override
    public CompletableFuture<Void> clear(BoardName name) {
        // The original peers read the empty string as "nothing there".
        return put(name, DhtValue.text(""));
    }

    @Override
    public NodeId keyOf(BoardName name) {
        return keys.computeIfAbsent(name, this::derive);
    }

    private NodeId derive(BoardName name) {
        if (name instanceof BoardName.Offer o) {
            return slotKey(offerName, o.slot());
        }
        if (name instanceof BoardName.Answer a) {
            return slotKey(answerName, a.slot());
        }
        return NodeId.digestOf(nameplateLabel((BoardName.Nameplate) name));
    }

    private NodeId slotKey(String base, int slot) {
        return secret == null ? NodeId.digestOf(plainName(base, slot)) : secret.dhtKey(base + "#" + slot);
    }

    private static String plainName(String base, int slot) {
        return slot == 0 ? base : base + "#" + slot;
    }

    private String nameplateLabel(BoardName.Nameplate n) {
        return (n.side() == BoardName.Side.OFFERER ? offerName : answerName) + "/pake/v1/" + n.number();
    }

    @Override
    public String describe(BoardName name) {
        if (name instanceof BoardName.Offer o) {
            return describeSlot("offer", offerName, o.slot(), name);
        }
        if (name instanceof BoardName.Answer a) {
            return describeSlot("answer", answerName, a.slot(), name);
        }
        BoardName.Nameplate n = (BoardName.Nameplate) name;
        return "nameplate " + n.number() + " (" + n.side().name().toLowerCase(java.util.Locale.ROOT) + " key "
                + keyOf(name).shortHex() + ")";
    }

    private String describeSlot(String what, String base, int slot, BoardName name) {
        return secret == null ? "key '" + plainName(base, slot) + "'"
                : "sealed " + what + " slot " + slot + " (key " + keyOf(name).shortHex() + ")";
    }

    @Override
    public String describeOffers(int slots) {
        if (slots == 1) {
            return describe(BoardName.offer(0));
        }
        return secret == null ? "keys '" + offerName + "' .. '" + plainName(offerName, slots - 1) + "'"
                : "the " + slots + " sealed offer slots of the session";
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public int maxValueBytes() {
        return node.config().storage().maxValueBytes();
    }

    @Override
    public boolean sealed() {
        return secret != null;
    }

    @Override
    public SignalFormat format() {
        return format;
    }
}
