package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;

/**
 * Sealed messages: each value is a {@link SealedBox} (bytes) that only holders of the shared secret can
 * open, and that carries the offer id, creation and expiry times inside the ciphertext. An answer is
 * sealed with keys derived from its offer's salt and must name that offer's id. What is inside the box
 * is written by a {@link SealedContent}: JSON on the original network, a compact form on Mainline.
 */
public final class SealedFormat implements SignalFormat {
    private final SharedSecret secret;
    private final SealedContent content;

    public SealedFormat(SharedSecret secret, SealedContent content) {
        this.secret = secret;
        this.content = content;
    }

    @Override
    public boolean sealed() {
        return true;
    }

    @Override
    public PublishedOffer encodeOffer(SignalMessage offer, NodeId key) {
        requireFreshnessFields(offer);
        SharedSecret.SealKeys keys = secret.sealKeys(SealedBox.newSalt());
        return new PublishedOffer(offer, DhtValue.bytes(content.seal(SealedBox.Kind.OFFER, offer, keys, key)), keys);
    }

    @Override
    public DhtValue encodeAnswer(SignalMessage answer, NodeId key, ReceivedOffer offer) {
        requireFreshnessFields(answer);
        return DhtValue.bytes(content.seal(SealedBox.Kind.ANSWER, answer, offer.keys(), key));
    }

    private static void requireFreshnessFields(SignalMessage m) {
        if (m.offerId() == null || m.created() == null) {
            throw new IllegalArgumentException("a sealed " + m.description().type() + " needs an offer id and a creation time");
        }
    }

    @Override
    public Reading<ReceivedOffer> readOffer(DhtValue value, NodeId key) {
        if (SignalFormat.isCleared(value)) {
            return Reading.empty();
        }
        if (value.kind() != DhtValue.Kind.BYTES) {
            return Reading.refused("it is not sealed (" + value.kind() + "); only sealed offers are accepted in a session");
        }
        byte[] box = value.asBytes();
        try {
            SharedSecret.SealKeys keys = secret.sealKeys(SealedBox.saltOf(box, SealedBox.Kind.OFFER));
            SignalMessage m = content.open(box, SealedBox.Kind.OFFER, keys, key);
            return Reading.accepted(new ReceivedOffer(m, keys));
        } catch (SealedBox.SealException e) {
            return Reading.unopened("it " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return Reading.refused("its content is not a sealed offer: " + e.getMessage());
        }
    }

    @Override
    public Reading<SignalMessage> readAnswer(DhtValue value, NodeId key, PublishedOffer ours) {
        if (SignalFormat.isCleared(value)) {
            return Reading.empty();
        }
        if (value.kind() != DhtValue.Kind.BYTES) {
            return Reading.refused("it is not sealed (" + value.kind() + "); only sealed answers are accepted in a session");
        }
        try {
            byte[] box = value.asBytes();
            SignalMessage m = content.open(box, SealedBox.Kind.ANSWER, ours.keys(), key);
            if (!ours.message().offerId().equals(m.offerId())) {
                return Reading.refused("it answers another offer (" + m.offerId() + "), not ours (a replay)");
            }
            return Reading.accepted(m);
        } catch (SealedBox.SealException e) {
            return Reading.unopened("it " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return Reading.refused("its content is not a sealed answer: " + e.getMessage());
        }
    }
}
