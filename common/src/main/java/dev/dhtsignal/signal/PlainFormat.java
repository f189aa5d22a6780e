package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;

/**
 * The original peers' format: the message's JSON as a MessagePack str. Anyone who can reach the DHT can
 * read it (addresses, DTLS fingerprint) and replace it; the only protection is that an answer names the
 * offer it answers, so stale answers are not taken.
 */
public final class PlainFormat implements SignalFormat {
    @Override
    public boolean sealed() {
        return false;
    }

    @Override
    public PublishedOffer encodeOffer(SignalMessage offer, NodeId key) {
        return new PublishedOffer(offer, DhtValue.text(offer.toJson()), null);
    }

    @Override
    public DhtValue encodeAnswer(SignalMessage answer, NodeId key, ReceivedOffer offer) {
        return DhtValue.text(answer.toJson());
    }

    @Override
    public Reading<ReceivedOffer> readOffer(DhtValue value, NodeId key) {
        return read(value, true).map(m -> new ReceivedOffer(m, null));
    }

    @Override
    public Reading<SignalMessage> readAnswer(DhtValue value, NodeId key, PublishedOffer ours) {
        Reading<SignalMessage> reading = read(value, false);
        if (reading instanceof Reading.Accepted<SignalMessage> a) {
            String answered = a.message().offerId();
            if (answered != null && !answered.equals(ours.message().offerId())) {
                return Reading.refused("it answers another offer (" + answered + "), not ours");
            }
        }
        return reading;
    }

    private static Reading<SignalMessage> read(DhtValue value, boolean wantOffer) {
        if (value.kind() != DhtValue.Kind.TEXT) {
            return Reading.refused("it is " + value.kind() + ", not text (sealed? then give the session code or secret)");
        }
        String text = value.asText();
        if (text.isEmpty()) {
            return Reading.empty();
        }
        SignalMessage m;
        try {
            m = SignalMessage.fromJson(text);
        } catch (IllegalArgumentException e) {
            return Reading.refused("it is not a session description: " + e.getMessage());
        }
        if (m.isOffer() != wantOffer) {
            return Reading.refused("it is an " + m.description().type() + " where "
                    + (wantOffer ? "an offer" : "an answer") + " belongs");
        }
        return Reading.accepted(m);
    }
}
