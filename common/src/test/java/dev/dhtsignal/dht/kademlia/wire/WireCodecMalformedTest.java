package dev.dhtsignal.dht.kademlia.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The codec refuses every kind of bad datagram with the reason it is counted under. */
class WireCodecMalformedTest {
    static Stream<BadDatagrams.Case> cases() {
        return BadDatagrams.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badRequestsAreRefusedWithTheirReason(BadDatagrams.Case c) {
        MalformedDatagramException e = assertThrows(MalformedDatagramException.class, () -> WireCodec.decode(c.bytes()));
        assertEquals(c.reason(), e.reason(), e.getMessage());
    }

    @Test
    void theGoodPingTheCasesVaryDecodes() throws Exception {
        Datagram d = WireCodec.decode(BadDatagrams.goodPing());
        assertInstanceOf(RpcRequest.Ping.class, ((Datagram.Request) d).request());
    }

    @Test
    void responsesAreCheckedAgainstTheRpcTheyAnswer() {
        byte[] trueBody = {(byte) 0xc3};
        byte[] emptyArray = {(byte) 0x90};
        assertReason(DropReason.WRONG_TYPE, RpcKind.PING, trueBody);
        assertReason(DropReason.WRONG_TYPE, RpcKind.STORE, emptyArray);
        assertReason(DropReason.WRONG_TYPE, RpcKind.FIND_NODE, trueBody);
        // A contact list that is a map, and one cut off inside an entry.
        assertReason(DropReason.WRONG_TYPE, RpcKind.FIND_NODE, hex("80"));
        assertReason(DropReason.MALFORMED_MSGPACK, RpcKind.FIND_NODE, hex("9193c414bbbb"));
        // find_value map with another key, or two entries.
        assertReason(DropReason.WRONG_TYPE, RpcKind.FIND_VALUE, hex("81a3666f6f01"));
        assertReason(DropReason.WRONG_ARITY, RpcKind.FIND_VALUE, hex("82a576616c756501a576616c756502"));
        // A contact list claiming more entries than bytes.
        assertReason(DropReason.MALFORMED_MSGPACK, RpcKind.FIND_NODE, hex("dc7fff"));
    }

    @Test
    void valuesOnlyOfTheFiveAllowedTypes() {
        assertEquals(DhtValue.Kind.TEXT, DhtValue.fromEncoded(hex("a3616263")).kind());
        assertEquals(DhtValue.Kind.BYTES, DhtValue.fromEncoded(hex("c40100")).kind());
        assertEquals(DhtValue.Kind.INTEGER, DhtValue.fromEncoded(hex("cfffffffffffffffff")).kind());
        assertEquals(DhtValue.Kind.FLOAT, DhtValue.fromEncoded(hex("ca3f800000")).kind());
        assertEquals(DhtValue.Kind.BOOLEAN, DhtValue.fromEncoded(hex("c2")).kind());
        assertThrows(IllegalArgumentException.class, () -> DhtValue.fromEncoded(hex("c0")));
        assertThrows(IllegalArgumentException.class, () -> DhtValue.fromEncoded(hex("90")));
        assertThrows(IllegalArgumentException.class, () -> DhtValue.fromEncoded(hex("a361")));
        assertThrows(IllegalArgumentException.class, () -> DhtValue.fromEncoded(hex("0101")));
        assertEquals("18446744073709551615", DhtValue.fromEncoded(hex("cfffffffffffffffff")).toString());
    }

    @Test
    void idsAreTwentyBytes() {
        assertThrows(IllegalArgumentException.class, () -> NodeId.of(new byte[19]));
        assertEquals(160, NodeId.fromHex("aa".repeat(20)).sharedPrefixBits(NodeId.fromHex("aa".repeat(20))));
        assertEquals(0, NodeId.fromHex("00".repeat(20)).sharedPrefixBits(NodeId.fromHex("80" + "00".repeat(19))));
        assertEquals(9, NodeId.fromHex("00".repeat(20)).sharedPrefixBits(NodeId.fromHex("0040" + "00".repeat(18))));
    }

    private static void assertReason(DropReason reason, RpcKind kind, byte[] body) {
        MalformedDatagramException e = assertThrows(MalformedDatagramException.class,
                () -> WireCodec.decodeResponse(kind, body));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
