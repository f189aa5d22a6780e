package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;

/**
 * How signaling messages are written into DHT values and read back: readable JSON text that the original
 * peers understand ({@link PlainFormat}), or sealed boxes only the holders of a shared secret can open or
 * make ({@link SealedFormat}).
 */
public interface SignalFormat {
    /** An offer we published: the message and, when sealed, the keys its answer must be sealed with. */
    record PublishedOffer(SignalMessage message, DhtValue value, SharedSecret.SealKeys keys) {
    }

    /** An offer we read: the message and, when sealed, the keys to seal our answer with. */
    record ReceivedOffer(SignalMessage message, SharedSecret.SealKeys keys) {
    }


    boolean sealed();

    PublishedOffer encodeOffer(SignalMessage offer, NodeId key);

    DhtValue encodeAnswer(SignalMessage answer, NodeId key, ReceivedOffer offer);

    Reading<ReceivedOffer> readOffer(DhtValue value, NodeId key);

    Reading<SignalMessage> readAnswer(DhtValue value, NodeId key, PublishedOffer ours);


    /**
     * Whether a value is the empty one that clears a name: the empty string (what the original peers
     * write and read as "nothing there") or empty bytes (a Mainline item cannot be deleted, only emptied).
     */
    static boolean isCleared(DhtValue value) {
        return (value.kind() == DhtValue.Kind.TEXT && value.asText().isEmpty())
                || (value.kind() == DhtValue.Kind.BYTES && value.asBytes().length == 0);
    }
}
