package dev.dhtsignal.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import org.junit.jupiter.api.Test;

class SessionDescriptionTest {
    private static final String SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    @Test
    void acceptsOfferAndAnswer() {
        assertTrue(new SessionDescription("offer", SDP).isOffer());
        assertFalse(SessionDescription.answer(SDP).isOffer());
    }

    @Test
    void rejectsOtherTypesWithClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SessionDescription("pranswer", SDP));
        assertTrue(e.getMessage().contains("\"offer\" or \"answer\""), e.getMessage());
        assertTrue(e.getMessage().contains("pranswer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SessionDescription("Offer", SDP));
        assertThrows(IllegalArgumentException.class, () -> SessionDescription.offer("  "));
        assertThrows(NullPointerException.class, () -> new SessionDescription(null, SDP));
    }

    @Test
    void convertsToAndFromWebRtc() {
        RTCSessionDescription nativeAnswer = SessionDescription.answer(SDP).toNative();
        assertEquals(RTCSdpType.ANSWER, nativeAnswer.sdpType);
        assertEquals(SDP, nativeAnswer.sdp);
        assertEquals(SessionDescription.offer(SDP),
                SessionDescription.fromNative(new RTCSessionDescription(RTCSdpType.OFFER, SDP)));
        assertThrows(IllegalArgumentException.class,
                () -> SessionDescription.fromNative(new RTCSessionDescription(RTCSdpType.ROLLBACK, SDP)));
    }

    @Test
    void toStringLeavesOutTheSdp() {
        String shown = SessionDescription.offer(SDP + "a=ice-pwd:secretsecret\r\n").toString();
        assertTrue(shown.startsWith("offer"), shown);
        assertFalse(shown.contains("secretsecret"), shown);
    }
}
