package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;

/** The message as the JSON of {@link SignalMessage}, sealed whole: the original network's sealed values. */
public final class JsonContent implements SealedContent {
    @Override
    public byte[] seal(SealedBox.Kind kind, SignalMessage message, SharedSecret.SealKeys keys, NodeId key) {
        return SealedBox.seal(kind, keys, key, message.toJson().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public SignalMessage open(byte[] box, SealedBox.Kind kind, SharedSecret.SealKeys keys, NodeId key)
            throws SealedBox.SealException {
        SignalMessage m = SignalMessage.fromJson(new String(SealedBox.open(box, kind, keys, key), StandardCharsets.UTF_8));
        boolean wantOffer = kind == SealedBox.Kind.OFFER;
        if (m.isOffer() != wantOffer) {
            throw new IllegalArgumentException("it holds an " + m.description().type());
        }
        if (m.offerId() == null || m.created() == null || (wantOffer && m.expires() == null)) {
            throw new IllegalArgumentException("it lacks the offer id or times");
        }
        return m;
    }
}
