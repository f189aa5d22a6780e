package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.rtc.SessionDescription;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The JSON of session descriptions, as the original peers write and read it. */
class SignalMessageTest {
    /** The exact value the original offerer stored, from the captured datagrams. */
    private static final String ORIGINAL_OFFER = "{\"sdp\": \"v=0\\r\\n\", \"type\": \"offer\"}";
    private final PlainFormat plain = new PlainFormat();
    private final NodeId key = NodeId.digestOf("webrtc-offer");

    @Test
    void readsTheOriginalPeersValues() {
        SignalMessage m = SignalMessage.fromJson(ORIGINAL_OFFER);
        assertEquals(SessionDescription.offer("v=0\r\n"), m.description());
        assertNull(m.offerId());
        assertNull(m.expires());
        Reading<SignalFormat.ReceivedOffer> r = plain.readOffer(DhtValue.text(ORIGINAL_OFFER), key);
        assertInstanceOf(Reading.Accepted.class, r);
    }

    @Test
    void writesWhatTheOriginalPeersRead() throws Exception {
        SignalMessage m = new SignalMessage(SessionDescription.answer("v=0\r\na=x\r\n"), "ab".repeat(16),
                Instant.ofEpochMilli(1_700_000_000_000L), null);
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(m.toJson());
        assertEquals("v=0\r\na=x\r\n", tree.get("sdp").asText());
        assertEquals("answer", tree.get("type").asText());
        assertEquals(m, SignalMessage.fromJson(m.toJson()));
    }

    @Test
    void timesAreReadFromAnyJsonNumberThatFitsAndIgnoredOtherwise() {
        String base = "{\"sdp\":\"v=0\",\"type\":\"offer\",\"created_ms\":";
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), SignalMessage.fromJson(base + "1700000000123}").created());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), SignalMessage.fromJson(base + "1700000000123.9}").created());
        assertEquals(Instant.ofEpochMilli(5), SignalMessage.fromJson(base + "5}").created());
        assertNull(SignalMessage.fromJson(base + "123456789012345678901234567890}").created());
        assertNull(SignalMessage.fromJson(base + "1e400}").created());
        assertNull(SignalMessage.fromJson(base + "\"1700000000123\"}").created());
    }

    @Test
    void emptyStringMeansNoValue() {
        assertInstanceOf(Reading.Empty.class, plain.readOffer(DhtValue.text(""), key));
    }

    @Test
    void malformedValuesAreRefusedWithAReason() {
        for (String bad : new String[] {"not json", "[]", "{\"type\":\"offer\"}", "{\"sdp\":\"v=0\",\"type\":\"pranswer\"}",
                "{\"sdp\":\"\",\"type\":\"offer\"}", "{\"sdp\":\"v=0\",\"type\":\"answer\"}"}) {
            Reading<SignalFormat.ReceivedOffer> r = plain.readOffer(DhtValue.text(bad), key);
            assertInstanceOf(Reading.Refused.class, r, bad);
        }
        assertInstanceOf(Reading.Refused.class, plain.readOffer(DhtValue.integer(5), key));
        assertThrows(IllegalArgumentException.class, () -> SignalMessage.fromJson("{\"sdp\":1,\"type\":\"offer\"}"));
    }

    @Test
    void anAnswerForAnotherOfferIsRefused() {
        SignalMessage ours = new SignalMessage(SessionDescription.offer("v=0"), "11".repeat(16), Instant.EPOCH, null);
        var published = plain.encodeOffer(ours, key);
        SignalMessage stale = new SignalMessage(SessionDescription.answer("v=0"), "22".repeat(16), Instant.EPOCH, null);
        Reading<SignalMessage> r = plain.readAnswer(DhtValue.text(stale.toJson()), key, published);
        assertTrue(r instanceof Reading.Refused<SignalMessage> refused && refused.reason().contains("another offer"), r.toString());
        SignalMessage right = new SignalMessage(SessionDescription.answer("v=0"), "11".repeat(16), Instant.EPOCH, null);
        assertInstanceOf(Reading.Accepted.class, plain.readAnswer(DhtValue.text(right.toJson()), key, published));
        // The original answerer names no offer: accepted here; the offerer checks it was not there before.
        assertInstanceOf(Reading.Accepted.class, plain.readAnswer(DhtValue.text("{\"sdp\":\"v=0\",\"type\":\"answer\"}"), key, published));
    }

    @Test
    void anOfferThatClaimsToLiveLongerThanAnyOffererWaitsIsNotLive() throws Exception {
        Instant now = Instant.parse("2025-06-01T12:00:00Z");
        Instant year3000 = Instant.parse("3000-01-01T00:00:00Z");
        SessionDescription sdp = SessionDescription.offer("v=0");
        String forever = new SignalMessage(sdp, "33".repeat(16), now, year3000).notLiveBecause(now);
        assertTrue(forever != null && forever.contains("claims to live") && forever.contains("longer than any offerer waits"), forever);
        // Created in the past, so that the expiry is near: the lifetime is what counts, not the time left.
        assertTrue(new SignalMessage(sdp, "33".repeat(16), now.minus(java.time.Duration.ofDays(1)), now.plusSeconds(30))
                .notLiveBecause(now).contains("claims to live"));
        assertTrue(new SignalMessage(sdp, "33".repeat(16), null, now.plusSeconds(30)).notLiveBecause(now).contains("no creation time"));
        // The longest wait an offerer may have, with the clock allowance, is live; a moment more is not.
        assertNull(new SignalMessage(sdp, "33".repeat(16), now, now.plus(SignalMessage.LONGEST_WAIT)).notLiveBecause(now));
        assertNull(new SignalMessage(sdp, "33".repeat(16), now, now.plus(SignalMessage.LONGEST_LIFETIME)).notLiveBecause(now));
        assertTrue(new SignalMessage(sdp, "33".repeat(16), now, now.plus(SignalMessage.LONGEST_LIFETIME).plusMillis(1))
                .notLiveBecause(now).contains("claims to live"));
        // The original peers' offers carry no times: nothing is said against them.
        assertNull(SignalMessage.fromJson(ORIGINAL_OFFER).notLiveBecause(now));

        // The compact offers of the Mainline exchange follow the same rule.
        CompactSdp compact;
        try (java.io.InputStream in = SignalMessageTest.class.getResourceAsStream("/sdp/chromium-offer.sdp")) {
            compact = CompactSdp.parse(SessionDescription.offer(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        byte[] id = new byte[CompactEnvelope.OFFER_ID_LENGTH];
        assertTrue(new CompactEnvelope(id, now, java.util.Optional.of(year3000), compact).notLiveBecause(now).contains("claims to live"));
        assertNull(new CompactEnvelope(id, now, java.util.Optional.of(now.plusSeconds(180)), compact).notLiveBecause(now));
        assertTrue(new CompactEnvelope(id, now.minusSeconds(300), java.util.Optional.of(now.minusSeconds(120)), compact)
                .notLiveBecause(now).contains("expired"));
    }

    @Test
    void sessionCodesAreReadableAndForgiving() {
        String code = SessionCode.generate();
        assertTrue(code.matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"), code);
        assertEquals("K7QXM2PD9RTA", SessionCode.normalize("k7qx-m2pd 9rta"));
        assertEquals("0110", SessionCode.normalize("OIL0"));
        assertThrows(IllegalArgumentException.class, () -> SessionCode.normalize("abc"));
        assertThrows(IllegalArgumentException.class, () -> SessionCode.normalize("UUUU-!!!!"));
    }
}
