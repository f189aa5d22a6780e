package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The message in its small form ({@link CompactEnvelope}), for networks that store at most about 1000
 * bytes per value (BEP 44): the SDP reduced to what WebRTC needs ({@link CompactSdp}); candidates are left
 * out, lowest priority first, until the sealed value fits. Offer ids are the same 16 random bytes as in
 * the JSON, in binary.
 */
public final class CompactContent implements SealedContent {
    private final int maxValueBytes;

    /** @param maxValueBytes the largest value the network stores */
    public CompactContent(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public byte[] seal(SealedBox.Kind kind, SignalMessage message, SharedSecret.SealKeys keys, NodeId key) {
        byte[] id = HexFormat.of().parseHex(message.offerId());
        if (id.length != CompactEnvelope.OFFER_ID_LENGTH) {
            throw new IllegalArgumentException("an offer id is " + CompactEnvelope.OFFER_ID_LENGTH + " bytes, got " + id.length);
        }
        CompactEnvelope envelope = new CompactEnvelope(id, message.created(), Optional.ofNullable(message.expires()),
                CompactSdp.parse(message.description()));
        return envelope.seal(kind, keys, key, maxValueBytes);
    }

    @Override
    public SignalMessage open(byte[] box, SealedBox.Kind kind, SharedSecret.SealKeys keys, NodeId key)
            throws SealedBox.SealException {
        CompactEnvelope e = CompactEnvelope.open(box, kind, keys, key);
        if (kind == SealedBox.Kind.OFFER && e.expires().isEmpty()) {
            throw new IllegalArgumentException("it has no expiry");
        }
        return new SignalMessage(e.sdp().toSdp(), e.offerIdHex(), e.created(), e.expires().orElse(null));
    }
}
