package dev.dhtsignal.dht.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The STUN codec against RFC 5769's test vectors, and against inputs that are cut, bent or lie about lengths. */
class StunCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] VECTOR_TRANSACTION = HEX.parseHex("b7e7a701bc34d686fa87dfae");

    /** RFC 5769 section 2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. */
    static final byte[] SAMPLE_REQUEST = HEX.parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
            + "80220010" + "5354554e20746573742063" + "6c69656e74"
            + "00240004" + "6e0001ff"
            + "80290008" + "932ff9b151263b36"
            + "00060009" + "6576746a3a68367659202020"
            + "00080014" + "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
            + "80280004" + "e57a3bcf");

    /** RFC 5769 section 2.2: the IPv4 response, mapped address 192.0.2.1 port 32853. */
    static final byte[] SAMPLE_IPV4_RESPONSE = HEX.parseHex(
            "0101003c2112a442b7e7a701bc34d686fa87dfae"
            + "8022000b" + "7465737420766563746f7220"
            + "00200008" + "0001a147e112a643"
            + "00080014" + "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"
            + "80280004" + "c07d4c96");

    /** RFC 5769 section 2.3: the IPv6 response, mapped address 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
    static final byte[] SAMPLE_IPV6_RESPONSE = HEX.parseHex(
            "010100482112a442b7e7a701bc34d686fa87dfae"
            + "8022000b" + "7465737420766563746f7220"
            + "00200014" + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
            + "00080014" + "a382954e4be67bf11784c97c8292c275bfe3ed41"
            + "80280004" + "c8fb0b4c");

    @Test
    void theSampleRequestIsReadWithItsFingerprintCheckedAndNoAttributeUnknownToAServer() throws Exception {
        assertTrue(StunCodec.looksLikeStun(SAMPLE_REQUEST, SAMPLE_REQUEST.length));
        StunMessage m = StunCodec.decode(SAMPLE_REQUEST, SAMPLE_REQUEST.length);
        assertTrue(m.isBindingRequest());
        assertEquals(StunMessage.BINDING, m.method());
        assertEquals(StunMessage.REQUEST, m.messageClass());
        assertArrayEquals(VECTOR_TRANSACTION, m.transactionId());
        assertTrue(m.fingerprinted());
        assertEquals("STUN test client", new String(m.attribute(StunAttribute.SOFTWARE).orElseThrow().value(), StandardCharsets.UTF_8));
        assertEquals("evtj:h6vY", new String(m.attribute(StunAttribute.USERNAME).orElseThrow().value(), StandardCharsets.UTF_8));
        assertEquals(List.of(), m.unknownComprehensionRequired(StunResponder.UNDERSTOOD),
                "PRIORITY, USERNAME and MESSAGE-INTEGRITY are known; ICE-CONTROLLED is comprehension-optional");
    }

    @Test
    void theSampleResponsesFingerprintsAreComputedAndTheirAddressesRead() throws Exception {
        for (byte[] vector : List.of(SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE)) {
            int fingerprintAt = vector.length - 8;
            assertEquals(ByteBuffer.wrap(vector, vector.length - 4, 4).getInt(), StunCodec.fingerprint(vector, fingerprintAt));
            StunMessage m = StunCodec.decode(vector, vector.length);
            assertEquals(StunMessage.BINDING | StunMessage.SUCCESS_RESPONSE, m.type());
            assertTrue(m.fingerprinted());
        }
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853),
                StunCodec.mappedAddress(StunCodec.decode(SAMPLE_IPV4_RESPONSE, SAMPLE_IPV4_RESPONSE.length)));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853),
                StunCodec.mappedAddress(StunCodec.decode(SAMPLE_IPV6_RESPONSE, SAMPLE_IPV6_RESPONSE.length)));
    }

    @Test
    void ourXorMappedAddressIsTheVectorsByteForByte() throws Exception {
        StunAttribute v4 = StunCodec.xorMappedAddress(VECTOR_TRANSACTION,
                new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
        assertArrayEquals(Arrays.copyOfRange(SAMPLE_IPV4_RESPONSE, 40, 48), v4.value());
        StunAttribute v6 = StunCodec.xorMappedAddress(VECTOR_TRANSACTION,
                new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        assertArrayEquals(Arrays.copyOfRange(SAMPLE_IPV6_RESPONSE, 40, 60), v6.value());
    }

    @Test
    void aSuccessResponseIsFortyBytesForIpv4AndFiftyTwoForIpv6AndReadsBack() throws Exception {
        byte[] tid = new byte[12];
        new Random(1).nextBytes(tid);
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 54321);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 1);
        for (InetSocketAddress mapped : List.of(v4, v6)) {
            byte[] response = StunCodec.bindingSuccess(tid, mapped);
            assertEquals(mapped == v4 ? 40 : 52, response.length);
            StunMessage m = StunCodec.decode(response, response.length);
            assertTrue(m.fingerprinted());
            assertArrayEquals(tid, m.transactionId());
            assertEquals(mapped, StunCodec.mappedAddress(m));
        }
        byte[] request = StunCodec.bindingRequest(tid);
        assertEquals(28, request.length);
        assertTrue(StunCodec.decode(request, request.length).isBindingRequest());
    }

    @Test
    void the420ResponseListsTheUnknownAttributes() throws Exception {
        byte[] error = StunCodec.unknownAttributes(VECTOR_TRANSACTION, List.of(0x7001, 0x0003));
        StunMessage m = StunCodec.decode(error, error.length);
        assertEquals(StunMessage.ERROR_RESPONSE, m.messageClass());
        assertEquals(StunMessage.BINDING, m.method());
        byte[] code = m.attribute(StunAttribute.ERROR_CODE).orElseThrow().value();
        assertEquals(4, code[2]);
        assertEquals(20, code[3]);
        assertEquals("Unknown Attribute", new String(code, 4, code.length - 4, StandardCharsets.UTF_8));
        assertArrayEquals(HEX.parseHex("70010003"), m.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).orElseThrow().value());
    }

    @Test
    void aFlippedBitAnywhereBeforeTheFingerprintIsRefused() {
        for (int i = 20; i < SAMPLE_REQUEST.length - 8; i++) {
            byte[] bent = SAMPLE_REQUEST.clone();
            bent[i] ^= 0x01;
            int at = i;
            StunFormatException e = assertThrows(StunFormatException.class, () -> StunCodec.decode(bent, bent.length),
                    "byte " + at);
            assertTrue(e.getMessage().contains("FINGERPRINT") || e.getMessage().contains("declares"), e.getMessage());
        }
    }

    @Test
    void headersThatAreNotStunAreNotTakenForIt() {
        byte[] kademlia = new byte[60];
        new Random(7).nextBytes(kademlia);
        kademlia[0] = 0x00;  // an original-network request: kind byte, then 20 random id bytes
        assertFalse(StunCodec.looksLikeStun(kademlia, kademlia.length));
        byte[] mainline = "d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe".getBytes(StandardCharsets.ISO_8859_1);
        assertFalse(StunCodec.looksLikeStun(mainline, mainline.length));
        byte[] noCookie = SAMPLE_REQUEST.clone();
        noCookie[5] ^= 1;
        assertFalse(StunCodec.looksLikeStun(noCookie, noCookie.length));
        assertFalse(StunCodec.looksLikeStun(SAMPLE_REQUEST, SAMPLE_REQUEST.length - 4), "length field lies");
        assertFalse(StunCodec.looksLikeStun(SAMPLE_REQUEST, 19), "shorter than a header");
        byte[] topBits = SAMPLE_REQUEST.clone();
        topBits[0] |= (byte) 0x80;
        assertFalse(StunCodec.looksLikeStun(topBits, topBits.length));
    }

    @Test
    void attributesThatLieAboutTheirLengthOrFollowTheFingerprintAreRefused() {
        byte[] header = HEX.parseHex("000100082112a442b7e7a701bc34d686fa87dfae");
        byte[] lying = concat(header, HEX.parseHex("8022" + "0040" + "41414141"));
        StunFormatException e = assertThrows(StunFormatException.class, () -> StunCodec.decode(lying, lying.length));
        assertTrue(e.getMessage().contains("declares 64 bytes"), e.getMessage());

        byte[] padding = concat(header, HEX.parseHex("8022" + "0005" + "41414141"));
        e = assertThrows(StunFormatException.class, () -> StunCodec.decode(padding, padding.length));
        assertTrue(e.getMessage().contains("declares 5 bytes, 4 left"), e.getMessage());

        // A correct FINGERPRINT (over a length field that counts what follows), then one more attribute.
        byte[] afterFingerprint = concat(HEX.parseHex("000100102112a442b7e7a701bc34d686fa87dfae"), new byte[8],
                HEX.parseHex("80220004" + "41414141"));
        ByteBuffer.wrap(afterFingerprint, 20, 8).putShort((short) StunAttribute.FINGERPRINT).putShort((short) 4)
                .putInt(StunCodec.fingerprint(afterFingerprint, 20));
        e = assertThrows(StunFormatException.class, () -> StunCodec.decode(afterFingerprint, afterFingerprint.length));
        assertTrue(e.getMessage().contains("follows FINGERPRINT"), e.getMessage());

        byte[] shortFingerprint = concat(header, HEX.parseHex("80280002" + "00000000"));
        e = assertThrows(StunFormatException.class, () -> StunCodec.decode(shortFingerprint, shortFingerprint.length));
        assertTrue(e.getMessage().contains("FINGERPRINT of 2 bytes"), e.getMessage());
    }

    @Test
    void aBrokenMappedAddressIsRefusedNotGuessed() {
        StunMessage noAddress = new StunMessage(0x0101, VECTOR_TRANSACTION, List.of(), false);
        assertThrows(StunFormatException.class, () -> StunCodec.mappedAddress(noAddress));
        StunMessage badFamily = new StunMessage(0x0101, VECTOR_TRANSACTION,
                List.of(new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, HEX.parseHex("0003a147e112a643"))), false);
        assertThrows(StunFormatException.class, () -> StunCodec.mappedAddress(badFamily));
        StunMessage shortV6 = new StunMessage(0x0101, VECTOR_TRANSACTION,
                List.of(new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, HEX.parseHex("0002a147e112a643"))), false);
        assertThrows(StunFormatException.class, () -> StunCodec.mappedAddress(shortV6));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
