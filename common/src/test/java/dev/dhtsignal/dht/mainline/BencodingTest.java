package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Bencode edge cases and KRPC messages: correct, truncated, invalid, lying lengths, wrong types. */
class BencodingTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, Object> decode(String s) throws KrpcFormatException {
        byte[] b = ascii(s);
        return Bencoding.decode(b, b.length);
    }

    @Test
    void binaryStringsAndSortedKeysRoundTrip() throws Exception {
        Map<String, Object> m = new TreeMap<>();
        m.put("z", 1L);
        m.put("a", new byte[]{(byte) 0xff, 0, (byte) 0x80});
        m.put("l", List.of(-5L, new byte[0]));
        byte[] encoded = Bencoding.encode(m);
        assertEquals("d1:a3:\u00ff\u0000\u00801:lli-5e0:e1:zi1ee", new String(encoded, StandardCharsets.ISO_8859_1));
        Map<String, Object> back = Bencoding.decode(encoded, encoded.length);
        assertArrayEquals(new byte[]{(byte) 0xff, 0, (byte) 0x80}, (byte[]) back.get("a"));
        assertEquals(1L, back.get("z"));
    }

    @Test
    void keysWithAnyByteSurvive() throws Exception {
        Map<String, Object> back = decode("d2:\u00ff\u0001i1ee");
        assertEquals(1L, back.get("\u00ff\u0001"));
    }

    @Test
    void nonCanonicalOrOutOfRangeIntegersAreRefused() {
        for (String bad : new String[]{"d1:ai03ee", "d1:ai-0ee", "d1:ai99999999999999999999ee", "d1:ai1ee trailing",
                "d1:ai1e1:ai2ee"}) {
            assertThrows(KrpcFormatException.class, () -> decode(bad), bad);
        }
    }

    @Test
    void truncatedAndLyingLengthsAreRefused() {
        for (String bad : new String[]{"", "d", "d1:a", "d1:ai1e", "d1:a5:xe", "d1:a99999999999:xe", "de1", "l1:ae",
                "i1e", "d1:ad1:ad1:ae", "d1:a-1:xe", "d1:ai1x2ee"}) {
            assertThrows(KrpcFormatException.class, () -> decode(bad), bad);
        }
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "d1:a" + "l".repeat(50_000) + "e".repeat(50_000) + "e";
        assertThrows(KrpcFormatException.class, () -> decode(deep));
    }

    @Test
    void krpcMessagesRoundTrip() throws Exception {
        byte[] id = new byte[20];
        id[0] = 7;
        KrpcMessage.Query q = new KrpcMessage.Query(ascii("aa"), "ping", new Dict(Map.of("id", id)), true);
        byte[] wire = KrpcCodec.encode(q);
        assertEquals("d1:ad2:id20:\u0007" + "\u0000".repeat(19) + "e1:q4:ping2:roi1e1:t2:aa1:v4:WS\u0000\u00011:y1:qe",
                new String(wire, StandardCharsets.ISO_8859_1));
        KrpcMessage back = KrpcCodec.decode(wire, wire.length);
        KrpcMessage.Query bq = assertInstanceOf(KrpcMessage.Query.class, back);
        assertEquals("ping", bq.method());
        assertEquals(true, bq.readOnly());
        byte[] err = ascii("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee");
        KrpcMessage.Error e = assertInstanceOf(KrpcMessage.Error.class, KrpcCodec.decode(err, err.length));
        assertEquals(201, e.code());
        assertEquals("A Generic Error Ocurred", e.message());
    }

    @Test
    void krpcMessagesWithWrongTypesAreRefused() {
        String id20 = "20:" + "x".repeat(20);
        for (String bad : new String[]{
                "d1:t2:aa1:y1:qe",                                   // no q, no a
                "d1:ad2:id" + id20 + "e1:qi5e1:t2:aa1:y1:qe",         // q is a number
                "d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe",             // short id
                "d1:a" + id20 + "1:q4:ping1:t2:aa1:y1:qe",            // a is not a dictionary
                "d1:rd2:idi5ee1:t2:aa1:y1:re",                        // id is a number
                "d1:ad2:id" + id20 + "e1:q4:ping1:t17:" + "t".repeat(17) + "1:y1:qe",   // long transaction id
                "d1:t2:aa1:y1:xe"}) {
            byte[] b = ascii(bad);
            assertThrows(KrpcFormatException.class, () -> KrpcCodec.decode(b, b.length), bad);
        }
    }
}
