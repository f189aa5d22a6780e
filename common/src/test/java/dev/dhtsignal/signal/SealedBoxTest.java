package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The sealed format (version 2, "WDS2") and its key derivation, pinned to fixed bytes. The constants
 * were computed independently with Python's hashlib (PBKDF2, HMAC) and the cryptography package's HKDF
 * and AESGCM.
 */
class SealedBoxTest {
    private static final SharedSecret SECRET = SharedSecret.of("K7QX-M2PD-9RTA", null);
    private static final byte[] SALT = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
    private static final byte[] NONCE = HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaab");
    private static final byte[] JSON = "{\"sdp\":\"v=0\\r\\n\",\"type\":\"offer\"}".getBytes(StandardCharsets.UTF_8);
    private static final String GOLDEN_DHT_KEY = "68e54759a2afeafa8c2f9d2f65b543235c7db6e6";
    private static final String GOLDEN_OFFER_KEY = "7e053f590f221f15df7d4ee49db8fdec46fd72113d0c19591da9ba3d7c3305cc";
    private static final String GOLDEN_ANSWER_KEY = "583bcccd2f8120fd07fc918525ddbea1f7dd197de07288b50fda690a6181bfb1";
    private static final String GOLDEN_BOX = "574453324f000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab"
            + "c289aeacac9664b80725a460f102659e2fecccde2a09b59f5490364b349c64f5afd20ada739471fd7bf023b51c6e7b6e";

    private static final SharedSecret.SealKeys KEYS = SECRET.sealKeys(SALT);
    private static final NodeId KEY = SECRET.dhtKey("webrtc-offer#0");

    @Test
    void fixedSecretSaltNonceAndInputGiveFixedBytes() {
        assertEquals(GOLDEN_DHT_KEY, KEY.toHex());
        assertEquals(GOLDEN_OFFER_KEY, HexFormat.of().formatHex(KEYS.offerKey().getEncoded()));
        assertEquals(GOLDEN_ANSWER_KEY, HexFormat.of().formatHex(KEYS.answerKey().getEncoded()));
        byte[] box = SealedBox.seal(SealedBox.Kind.OFFER, KEYS, KEY, JSON, NONCE);
        assertEquals(GOLDEN_BOX, HexFormat.of().formatHex(box));
    }

    @Test
    void theGoldenBoxOpens() throws Exception {
        byte[] box = HexFormat.of().parseHex(GOLDEN_BOX);
        assertArrayEquals(SALT, SealedBox.saltOf(box, SealedBox.Kind.OFFER));
        assertArrayEquals(JSON, SealedBox.open(box, SealedBox.Kind.OFFER, KEYS, KEY));
    }

    @Test
    void sessionCodesAreNormalisedBeforeDerivation() {
        assertEquals(KEY, SharedSecret.of("k7qx m2pd 9rta", null).dhtKey("webrtc-offer#0"));
        assertEquals(KEY, SharedSecret.of("K7QXM2PD9RTA", null).dhtKey("webrtc-offer#0"));
    }

    @Test
    void everyTamperedByteIsRefused() {
        byte[] good = HexFormat.of().parseHex(GOLDEN_BOX);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            int at = i;
            SealedBox.SealException e = assertThrows(SealedBox.SealException.class,
                    () -> SealedBox.open(bad, SealedBox.Kind.OFFER, KEYS, KEY), "flipped bit in byte " + at);
            assertTrue(e.getMessage().contains("does not open") || e.getMessage().contains("not a sealed")
                    || e.getMessage().contains("where") || e.getMessage().contains("format version"), e.getMessage());
        }
    }

    @Test
    void aWrongSecretAnotherKeyOrTheOtherKindDoNotOpen() throws Exception {
        byte[] box = HexFormat.of().parseHex(GOLDEN_BOX);
        SharedSecret.SealKeys wrong = SharedSecret.of("AAAA-BBBB-CCCC", null).sealKeys(SALT);
        assertThrows(SealedBox.SealException.class, () -> SealedBox.open(box, SealedBox.Kind.OFFER, wrong, KEY));
        NodeId otherSlot = SECRET.dhtKey("webrtc-offer#1");
        assertThrows(SealedBox.SealException.class, () -> SealedBox.open(box, SealedBox.Kind.OFFER, KEYS, otherSlot));
        SealedBox.SealException kind = assertThrows(SealedBox.SealException.class,
                () -> SealedBox.open(box, SealedBox.Kind.ANSWER, KEYS, KEY));
        assertTrue(kind.getMessage().contains("is an offer where an answer belongs"), kind.getMessage());
        assertThrows(SealedBox.SealException.class,
                () -> SealedBox.open("plain text".getBytes(StandardCharsets.UTF_8), SealedBox.Kind.OFFER, KEYS, KEY));
        byte[] version1 = box.clone();
        version1[3] = '1';
        SealedBox.SealException older = assertThrows(SealedBox.SealException.class,
                () -> SealedBox.open(version1, SealedBox.Kind.OFFER, KEYS, KEY));
        assertTrue(older.getMessage().contains("another format version (WDS1"), older.getMessage());
    }

    @Test
    void freshSealsDifferEvenForTheSameInput() {
        byte[] a = SealedBox.seal(SealedBox.Kind.OFFER, KEYS, KEY, JSON);
        byte[] b = SealedBox.seal(SealedBox.Kind.OFFER, KEYS, KEY, JSON);
        assertTrue(!java.util.Arrays.equals(a, b), "random nonces");
    }
}
