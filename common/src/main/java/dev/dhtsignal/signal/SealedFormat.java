package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;

/**
 * Sealed messages: each value is a {@link SealedBox} (MessagePack bin) that only holders of the shared
 * secret can open, and that carries the offer id, creation and expiry times inside the ciphertext. An
 * answer is sealed with keys derived from its offer's salt and must name that offer's id.
 */
public final class SealedFormat implements SignalFormat {
    private final SharedSecret secret;

    public SealedFormat(SharedSecret secret) {
        this.secret = secret;
    }

    @Override
    public boolean sealed() {
        return true;
    }

    @Override
    public PublishedOffer encodeOffer(SignalMessage offer, NodeId key) {
        requireFreshnessFields(offer);
        SharedSecret.SealKeys keys = secret.sealKeys(SealedBox.newSalt());
        byte[] box = SealedBox.seal(SealedBox.Kind.OFFER, keys, key, offer.toJson().getBytes(StandardCharsets.UTF_8));
        return new PublishedOffer(offer, DhtValue.bytes(box), keys);
    }

    @Override
    public DhtValue encodeAnswer(SignalMessage answer, NodeId key, ReceivedOffer offer) {
        requireFreshnessFields(answer);
        byte[] box = SealedBox.seal(SealedBox.Kind.ANSWER, offer.keys(), key, answer.toJson().getBytes(StandardCharsets.UTF_8));
        return DhtValue.bytes(box);
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
            SignalMessage m = parse(SealedBox.open(box, SealedBox.Kind.OFFER, keys, key), true);
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
            SignalMessage m = parse(SealedBox.open(box, SealedBox.Kind.ANSWER, ours.keys(), key), false);
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

    private static SignalMessage parse(byte[] json, boolean wantOffer) {
        SignalMessage m = SignalMessage.fromJson(new String(json, StandardCharsets.UTF_8));
        if (m.isOffer() != wantOffer) {
            throw new IllegalArgumentException("it holds an " + m.description().type());
        }
        if (m.offerId() == null || m.created() == null || (wantOffer && m.expires() == null)) {
            throw new IllegalArgumentException("it lacks the offer id or times");
        }
        return m;
    }
}
