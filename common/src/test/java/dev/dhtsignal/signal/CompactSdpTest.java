package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.mainline.Bencoding;
import dev.dhtsignal.dht.mainline.Dict;
import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compact SDP against real SDPs: a Chromium offer captured once (mainline-tests/capture-chromium-offer.mjs,
 * with Chromium's mDNS host names) and webrtc-java's own offers and answers made here; each rebuilt SDP is
 * accepted by webrtc-java and compacts to the same thing again.
 */
class CompactSdpTest {
    private static SessionDescription chromiumOffer() throws Exception {
        try (InputStream in = CompactSdpTest.class.getResourceAsStream("/sdp/chromium-offer.sdp")) {
            return SessionDescription.offer(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static CompactSdp roundTrip(CompactSdp c) throws Exception {
        byte[] encoded = Bencoding.encode(c.toDictionary());
        return CompactSdp.fromDictionary(c.type(), new Dict(Bencoding.decode(encoded, encoded.length)));
    }

    @Test
    void aChromiumOfferSurvivesAndWebrtcJavaAnswersTheRebuiltOne() throws Exception {
        CompactSdp compact = CompactSdp.parse(chromiumOffer());
        assertEquals(2, compact.candidates().size());
        assertTrue(compact.candidates().get(0).address().endsWith(".local"));
        assertEquals(compact, roundTrip(compact));
        SessionDescription rebuilt = compact.toSdp();
        assertEquals(compact, CompactSdp.parse(rebuilt));
        assertTrue(Bencoding.encode(compact.toDictionary()).length < 400, "small: " + Bencoding.encode(compact.toDictionary()).length);
        try (RtcFactory rtc = new RtcFactory(); RtcPeer peer = rtc.createPeer(RtcConfig.defaults())) {
            SessionDescription answer = peer.acceptOffer(rebuilt).get(30, TimeUnit.SECONDS);
            CompactSdp compactAnswer = CompactSdp.parse(answer);
            assertEquals("active", compactAnswer.setup());
            assertEquals(compactAnswer, roundTrip(compactAnswer));
        }
    }

    @Test
    void webrtcJavaOffersAndAnswersSurviveAndConnect() throws Exception {
        try (RtcFactory rtc = new RtcFactory(); RtcPeer a = rtc.createPeer(RtcConfig.defaults());
             RtcPeer b = rtc.createPeer(RtcConfig.defaults())) {
            a.createDataChannel("chat");
            CompactSdp offer = roundTrip(CompactSdp.parse(a.createOffer().get(30, TimeUnit.SECONDS)));
            CompactSdp answer = roundTrip(CompactSdp.parse(b.acceptOffer(offer.toSdp()).get(30, TimeUnit.SECONDS)));
            a.acceptAnswer(answer.toSdp()).get(30, TimeUnit.SECONDS);
            a.connected().get(30, TimeUnit.SECONDS);
            b.connected().get(30, TimeUnit.SECONDS);
            assertEquals(offer, CompactSdp.parse(offer.toSdp()));
        }
    }

    @Test
    void anSdpWithoutWhatMattersIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompactSdp.parse(SessionDescription.offer("v=0\r\na=ice-ufrag:x\r\n")));
        assertTrue(e.getMessage().contains("a=ice-pwd"), e.getMessage());
    }

    @Test
    void injectedLineBreaksAreRefused() throws Exception {
        CompactSdp c = CompactSdp.parse(chromiumOffer());
        java.util.Map<String, Object> d = new java.util.TreeMap<>(c.toDictionary());
        d.put("u", "x\r\na=evil");
        byte[] encoded = Bencoding.encode(d);
        assertThrows(IllegalArgumentException.class,
                () -> CompactSdp.fromDictionary("offer", new Dict(Bencoding.decode(encoded, encoded.length))));
    }
}
