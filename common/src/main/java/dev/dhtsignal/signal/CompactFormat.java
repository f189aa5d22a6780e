package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.signal.board.SignalBoard;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Sealed messages in their small form ({@link CompactEnvelope}), for networks that store at most about
 * 1000 bytes per value (BEP 44): the SDP reduced to what WebRTC needs ({@link CompactSdp}), sealed and bound
 * to the key it is stored under. Offer ids are the same 16 random bytes as in the other formats, in binary.
 */
public final class CompactFormat implements SignalFormat {
    private final SharedSecret secret;
    private final int maxValueBytes;

    /** @param maxValueBytes the largest value the network stores; candidates are left out until an offer fits */
    public CompactFormat(SharedSecret secret, int maxValueBytes) {
        this.secret = secret;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public boolean sealed() {
        return true;
    }

    @Override
    public PublishedOffer encodeOffer(SignalMessage offer, NodeId key) {
        SharedSecret.SealKeys keys = secret.sealKeys(SealedBox.newSalt());
        CompactEnvelope envelope = new CompactEnvelope(idBytes(offer), offer.created(), Optional.of(offer.expires()),
                CompactSdp.parse(offer.description()));
        return new PublishedOffer(offer, DhtValue.bytes(envelope.seal(SealedBox.Kind.OFFER, keys, key, maxValueBytes)), keys);
    }

    @Override
    public DhtValue encodeAnswer(SignalMessage answer, NodeId key, ReceivedOffer offer) {
        CompactEnvelope envelope = new CompactEnvelope(idBytes(answer), answer.created(), Optional.empty(),
                CompactSdp.parse(answer.description()));
        return DhtValue.bytes(envelope.seal(SealedBox.Kind.ANSWER, offer.keys(), key, maxValueBytes));
    }

    private static byte[] idBytes(SignalMessage m) {
        if (m.offerId() == null || m.created() == null || (m.isOffer() && m.expires() == null)) {
            throw new IllegalArgumentException("a sealed " + m.description().type() + " needs an offer id and its times");
        }
        byte[] id = HexFormat.of().parseHex(m.offerId());
        if (id.length != CompactEnvelope.OFFER_ID_LENGTH) {
            throw new IllegalArgumentException("an offer id is " + CompactEnvelope.OFFER_ID_LENGTH + " bytes, got " + id.length);
        }
        return id;
    }

    @Override
    public Reading<ReceivedOffer> readOffer(DhtValue value, NodeId key) {
        if (SignalBoard.isCleared(value)) {
            return Reading.empty();
        }
        if (value.kind() != DhtValue.Kind.BYTES) {
            return Reading.refused("it is not sealed (" + value.kind() + ")");
        }
        byte[] box = value.asBytes();
        try {
            SharedSecret.SealKeys keys = secret.sealKeys(SealedBox.saltOf(box, SealedBox.Kind.OFFER));
            CompactEnvelope e = CompactEnvelope.open(box, SealedBox.Kind.OFFER, keys, key);
            if (e.expires().isEmpty()) {
                return Reading.refused("its content is not a sealed offer: it has no expiry");
            }
            return Reading.accepted(new ReceivedOffer(toMessage(e), keys));
        } catch (SealedBox.SealException e) {
            return Reading.unopened("it " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return Reading.refused("its content is not a sealed offer: " + e.getMessage());
        }
    }

    @Override
    public Reading<SignalMessage> readAnswer(DhtValue value, NodeId key, PublishedOffer ours) {
        if (SignalBoard.isCleared(value)) {
            return Reading.empty();
        }
        if (value.kind() != DhtValue.Kind.BYTES) {
            return Reading.refused("it is not sealed (" + value.kind() + ")");
        }
        try {
            CompactEnvelope e = CompactEnvelope.open(value.asBytes(), SealedBox.Kind.ANSWER, ours.keys(), key);
            SignalMessage m = toMessage(e);
            if (!ours.message().offerId().equals(m.offerId())) {
                return Reading.refused("it answers another offer (" + m.offerId().substring(0, 8) + "), not ours (a replay)");
            }
            return Reading.accepted(m);
        } catch (SealedBox.SealException e) {
            return Reading.unopened("it " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return Reading.refused("its content is not a sealed answer: " + e.getMessage());
        }
    }

    private static SignalMessage toMessage(CompactEnvelope e) {
        return new SignalMessage(e.sdp().toSdp(), e.offerIdHex(), e.created(), e.expires().orElse(null));
    }
}
