package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one conversation meets in the DHT: a few numbered slots, each an offer key and the answer key
 * that goes with it, and the format values are written in. Several slots let several offerers reach one
 * always-on answerer at once ({@code answerer --serve}); an offerer takes the first slot not holding a
 * live offer.
 *
 * <p>Plain: slot 0 is the configured names themselves ({@code webrtc-offer} / {@code webrtc-answer},
 * what the original peers use), slot i is {@code name#i}; keys are the SHA-1 of the name, as in the
 * original. Sealed: every key is derived from the shared secret ({@link SharedSecret#dhtKey}), so neither
 * the names nor the secret appear on the wire.
 */
public final class Rendezvous {
    public static final int DEFAULT_SLOTS = 4;

    private final String offerName;
    private final String answerName;
    private final int slots;
    private final SharedSecret secret;
    private final SignalFormat format;
    private List<NodeId> offerKeys;
    private List<NodeId> answerKeys;

    private Rendezvous(String offerName, String answerName, int slots, SharedSecret secret) {
        if (slots < 1 || slots > 64) {
            throw new IllegalArgumentException("slots must be in 1..64, got " + slots);
        }
        if (offerName.equals(answerName)) {
            throw new IllegalArgumentException("the offer and answer keys must differ, both are '" + offerName + "'");
        }
        this.offerName = offerName;
        this.answerName = answerName;
        this.slots = slots;
        this.secret = secret;
        this.format = secret == null ? new PlainFormat() : new SealedFormat(secret);
    }

    /**
     * Derives the keys now. Sealed keys take a moment (PBKDF2), so programs call this on a thread of its
     * own while WebRTC loads; otherwise the first use derives them.
     */
    public synchronized Rendezvous prepare() {
        if (offerKeys == null) {
            List<NodeId> offers = new ArrayList<>();
            List<NodeId> answers = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                offers.add(secret == null ? NodeId.digestOf(plainName(offerName, i)) : secret.dhtKey(offerName + "#" + i));
                answers.add(secret == null ? NodeId.digestOf(plainName(answerName, i)) : secret.dhtKey(answerName + "#" + i));
            }
            offerKeys = List.copyOf(offers);
            answerKeys = List.copyOf(answers);
        }
        return this;
    }

    public static Rendezvous plain(String offerName, String answerName, int slots) {
        return new Rendezvous(offerName, answerName, slots, null);
    }

    /** Keys derived from the secret; deriving them takes a moment (see {@link SharedSecret}). */
    public static Rendezvous sealed(SharedSecret secret, String offerName, String answerName, int slots) {
        return new Rendezvous(offerName, answerName, slots, secret);
    }

    private static String plainName(String name, int slot) {
        return slot == 0 ? name : name + "#" + slot;
    }

    public int slots() {
        return slots;
    }

    public SignalFormat format() {
        return format;
    }

    public boolean sealed() {
        return secret != null;
    }

    public NodeId offerKey(int slot) {
        return prepare().offerKeys.get(slot);
    }

    public NodeId answerKey(int slot) {
        return prepare().answerKeys.get(slot);
    }

    public List<NodeId> offerKeys() {
        return prepare().offerKeys;
    }

    /** How to name a slot's offer key in messages. */
    public String describeOffer(int slot) {
        return describe(offerName, slot, offerKey(slot));
    }

    public String describeAnswer(int slot) {
        return describe(answerName, slot, answerKey(slot));
    }

    /** The offer keys of every slot, for messages about waiting on all of them. */
    public String describeOffers() {
        if (slots == 1) {
            return describeOffer(0);
        }
        return secret == null
                ? "keys '" + offerName + "' .. '" + plainName(offerName, slots - 1) + "'"
                : "the " + slots + " sealed offer slots of the session";
    }

    private String describe(String name, int slot, NodeId key) {
        return secret == null
                ? "key '" + plainName(name, slot) + "'"
                : "sealed " + (name.equals(offerName) ? "offer" : "answer") + " slot " + slot + " (key " + key.shortHex() + ")";
    }
}
