package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The test vectors published in BEP 44 (items), RFC 8032 (Ed25519 keys) and BEP 42 (node ids). */
class Bep44VectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HELLO = "Hello World!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BEP44_KEY = HEX.parseHex("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");

    @Test
    void mutableItemWithoutSaltVerifiesAndHasTheBepsTarget() {
        MutableItem item = new MutableItem(BEP44_KEY, new byte[0], 1, HELLO, HEX.parseHex(
                "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
                        + "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01"));
        assertTrue(item.verify());
        assertEquals("4a533d47ec9c7d95b1ad75f576cffc641853b750", item.target().toHex());
        assertEquals("3:seqi1e1:v12:Hello World!",
                new String(MutableItem.signedBytes(new byte[0], 1, HELLO), StandardCharsets.US_ASCII));
    }

    @Test
    void mutableItemWithSaltVerifiesAndHasTheBepsTarget() {
        byte[] salt = "foobar".getBytes(StandardCharsets.US_ASCII);
        MutableItem item = new MutableItem(BEP44_KEY, salt, 1, HELLO, HEX.parseHex(
                "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d"
                        + "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08"));
        assertTrue(item.verify());
        assertEquals("411eba73b6f087ca51a3795d9c8c938d365e32c1", item.target().toHex());
        assertEquals("4:salt6:foobar3:seqi1e1:v12:Hello World!",
                new String(MutableItem.signedBytes(salt, 1, HELLO), StandardCharsets.US_ASCII));
    }

    @Test
    void changingAnySignedFieldBreaksTheSignature() {
        byte[] sig = HEX.parseHex("305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
                + "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01");
        assertFalse(new MutableItem(BEP44_KEY, new byte[0], 2, HELLO, sig).verify());
        assertFalse(new MutableItem(BEP44_KEY, "x".getBytes(StandardCharsets.US_ASCII), 1, HELLO, sig).verify());
        assertFalse(new MutableItem(BEP44_KEY, new byte[0], 1, "Hello World?".getBytes(StandardCharsets.US_ASCII), sig).verify());
        byte[] otherKey = BEP44_KEY.clone();
        otherKey[0] ^= 1;
        assertFalse(new MutableItem(otherKey, new byte[0], 1, HELLO, sig).verify());
    }

    @Test
    void immutableItemHasTheBepsTarget() {
        assertEquals("e5f96f6f38320f0f33959cb4d3d656452117aadb", new ImmutableItem(HELLO).target().toHex());
    }

    @Test
    void keysFromSeedsMatchRfc8032AndSignaturesVerify() {
        // RFC 8032 section 7.1, test 1: the seed, its public key, and the signature of the empty message.
        Ed25519.SigningKey key = Ed25519.fromSeed(HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        assertEquals("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", HEX.formatHex(key.publicKey()));
        assertEquals("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", HEX.formatHex(key.sign(new byte[0])));
        MutableItem item = MutableItem.sign(key, "s".getBytes(StandardCharsets.US_ASCII), 42, HELLO);
        assertTrue(item.verify());
        assertTrue(Ed25519.verify(key.publicKey(), new byte[0], key.sign(new byte[0])));
    }

    @Test
    void publicKeysWithAnOddXSurviveTheRoundTrip() {
        // Half of all keys have the parity bit set; the encoding must carry it both ways.
        Random random = new Random(7);
        int odd = 0;
        for (int i = 0; i < 40; i++) {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            Ed25519.SigningKey key = Ed25519.fromSeed(seed);
            odd += (key.publicKey()[31] & 0x80) != 0 ? 1 : 0;
            assertTrue(Ed25519.verify(key.publicKey(), seed, key.sign(seed)), "key " + i);
        }
        assertTrue(odd > 0 && odd < 40, "both parities seen: " + odd);
    }

    @Test
    void garbageKeysAndSignaturesAreRefusedNotThrown() {
        assertFalse(Ed25519.verify(new byte[32], HELLO, new byte[64]));
        byte[] ff = new byte[32];
        java.util.Arrays.fill(ff, (byte) 0xff);
        assertFalse(Ed25519.verify(ff, HELLO, new byte[64]));
        assertFalse(Ed25519.verify(new byte[31], HELLO, new byte[64]));
        assertFalse(Ed25519.verify(BEP44_KEY, HELLO, new byte[63]));
    }

    @Test
    void nodeIdsFollowTheBep42Vectors() throws Exception {
        String[][] vectors = {
                {"124.31.75.21", "1", "5fbfbf"},
                {"21.75.31.124", "86", "5a3ce9"},
                {"65.23.51.170", "22", "a5d432"},
                {"84.124.73.14", "65", "1b0321"},
                {"43.213.53.83", "90", "e56f6c"},
        };
        for (String[] v : vectors) {
            InetAddress ip = InetAddress.getByName(v[0]);
            int rand = Integer.parseInt(v[1]);
            NodeId id = Bep42.idFor(ip, rand, new Random(1));
            byte[] b = id.toBytes();
            String expected = v[2];
            assertEquals(expected.substring(0, 4), HEX.formatHex(b, 0, 2), v[0]);
            assertEquals(Integer.parseInt(expected.substring(4, 6), 16) & 0xf8, b[2] & 0xf8, v[0]);
            assertEquals(rand, b[19] & 0xff);
            assertTrue(Bep42.isValid(id, ip));
            assertFalse(Bep42.isValid(NodeId.of(new byte[20]), ip) && !expected.startsWith("0000"));
        }
        assertTrue(Bep42.isValid(NodeId.of(new byte[20]), InetAddress.getByName("127.0.0.1")), "loopback is exempt");
        assertTrue(Bep42.isValid(NodeId.of(new byte[20]), InetAddress.getByName("192.168.1.5")), "private ranges are exempt");
    }

    @Test
    void valuesOverTheLimitAreRefusedBeforeSigning() {
        Ed25519.SigningKey key = Ed25519.generate();
        MutableItem.sign(key, new byte[0], 1, new byte[996]);   // 4:... + 996 = 1000 bytes: allowed
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MutableItem.sign(key, new byte[0], 1, new byte[997]));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MutableItem.sign(key, new byte[65], 1, HELLO));
        assertArrayEquals("12:Hello World!".getBytes(StandardCharsets.US_ASCII), new ImmutableItem(HELLO).value() instanceof byte[] b
                ? Bencoding.encodeValue(b) : null);
    }
}
