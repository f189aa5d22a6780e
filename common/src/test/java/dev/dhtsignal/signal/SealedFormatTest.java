package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.rtc.SessionDescription;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Sealed values: what opens, and every way a value is refused, each with its reason. */
class SealedFormatTest {
    private static final SharedSecret SECRET = SharedSecret.of("K7QX-M2PD-9RTA", null);
    private static final SharedSecret FORGERS = SharedSecret.of(null, "guess");
    private final SealedFormat sealed = new SealedFormat(SECRET, new JsonContent());
    private final NodeId offerKey = SECRET.dhtKey("webrtc-offer#0");
    private final NodeId answerKey = SECRET.dhtKey("webrtc-answer#0");
    private final Instant now = Instant.parse("2026-11-24T12:00:00Z");

    private SignalMessage offer(String id) {
        return new SignalMessage(SessionDescription.offer("v=0 offer " + id), id, now, now.plusSeconds(60));
    }

    @Test
    void anOfferAndItsAnswerOpenForTheSecretsHolders() {
        SignalFormat.PublishedOffer published = sealed.encodeOffer(offer("aa".repeat(16)), offerKey);
        assertEquals(DhtValue.Kind.BYTES, published.value().kind());
        assertTrue(!new String(published.value().asBytes(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("v=0"),
                "the SDP does not appear in the stored value");
        Reading<SignalFormat.ReceivedOffer> read = sealed.readOffer(published.value(), offerKey);
        SignalFormat.ReceivedOffer received = ((Reading.Accepted<SignalFormat.ReceivedOffer>) read).message();
        assertEquals(published.message(), received.message());

        SignalMessage answer = new SignalMessage(SessionDescription.answer("v=0 answer"), "aa".repeat(16), now, null);
        DhtValue answerValue = sealed.encodeAnswer(answer, answerKey, received);
        Reading<SignalMessage> back = sealed.readAnswer(answerValue, answerKey, published);
        assertEquals(answer, ((Reading.Accepted<SignalMessage>) back).message());
    }

    @Test
    void aForgedOrTamperedValueDoesNotOpen() {
        SignalFormat.PublishedOffer published = sealed.encodeOffer(offer("aa".repeat(16)), offerKey);
        byte[] tampered = published.value().asBytes();
        tampered[tampered.length - 20] ^= 0x40;
        assertUnopened(sealed.readOffer(DhtValue.bytes(tampered), offerKey));
        // A forger without the secret seals with a secret of its own.
        SealedFormat forger = new SealedFormat(FORGERS, new JsonContent());
        assertUnopened(sealed.readOffer(forger.encodeOffer(offer("bb".repeat(16)), offerKey).value(), offerKey));
        SignalMessage answer = new SignalMessage(SessionDescription.answer("v=0 evil"), "aa".repeat(16), now, null);
        DhtValue forgedAnswer = forger.encodeAnswer(answer, answerKey,
                new SignalFormat.ReceivedOffer(offer("aa".repeat(16)), FORGERS.sealKeys(SealedBox.newSalt())));
        assertUnopened(sealed.readAnswer(forgedAnswer, answerKey, published));
    }

    @Test
    void aPlainValueInASessionIsRefused() {
        Reading<SignalFormat.ReceivedOffer> r = sealed.readOffer(DhtValue.text(offer("aa".repeat(16)).toJson()), offerKey);
        assertTrue(r instanceof Reading.Refused<SignalFormat.ReceivedOffer> ref && !ref.unopened()
                && ref.reason().contains("not sealed"), r.toString());
    }

    @Test
    void anAnswerToAnotherOfferIsRefusedAsAReplay() {
        SignalFormat.PublishedOffer first = sealed.encodeOffer(offer("aa".repeat(16)), offerKey);
        SignalFormat.ReceivedOffer firstReceived = ((Reading.Accepted<SignalFormat.ReceivedOffer>)
                sealed.readOffer(first.value(), offerKey)).message();
        DhtValue oldAnswer = sealed.encodeAnswer(
                new SignalMessage(SessionDescription.answer("v=0 old"), "aa".repeat(16), now, null), answerKey, firstReceived);
        // A later offer that happens to reuse the salt still refuses the old answer by its offer id.
        SignalFormat.PublishedOffer second = new SignalFormat.PublishedOffer(offer("cc".repeat(16)), first.value(), first.keys());
        Reading<SignalMessage> r = sealed.readAnswer(oldAnswer, answerKey, second);
        assertTrue(r instanceof Reading.Refused<SignalMessage> ref && ref.reason().contains("another offer"), r.toString());
    }

    @Test
    void aValueMovedToAnotherSlotDoesNotOpen() {
        SignalFormat.PublishedOffer published = sealed.encodeOffer(offer("aa".repeat(16)), offerKey);
        assertUnopened(sealed.readOffer(published.value(), SECRET.dhtKey("webrtc-offer#1")));
    }

    @Test
    void forgedValuesWithFreshSaltsCostTheReaderNoPbkdf2() {
        SealedFormat forger = new SealedFormat(FORGERS, new JsonContent());
        for (int i = 0; i < 50; i++) {
            assertUnopened(sealed.readOffer(forger.encodeOffer(offer("bb".repeat(16)), offerKey).value(), offerKey));
        }
        assertUnopened(sealed.readAnswer(forger.encodeAnswer(new SignalMessage(SessionDescription.answer("v=0 evil"),
                        "aa".repeat(16), now, null), answerKey, new SignalFormat.ReceivedOffer(offer("aa".repeat(16)),
                        FORGERS.sealKeys(SealedBox.newSalt()))),
                answerKey, sealed.encodeOffer(offer("aa".repeat(16)), offerKey)));
        assertEquals(1, SECRET.pbkdf2Runs(), "one PBKDF2 for the secret, none per value read");
    }

    private static void assertUnopened(Reading<?> r) {
        assertInstanceOf(Reading.Refused.class, r);
        assertTrue(((Reading.Refused<?>) r).unopened(), r.toString());
    }
}
