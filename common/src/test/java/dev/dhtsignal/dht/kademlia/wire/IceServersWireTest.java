package dev.dhtsignal.dht.kademlia.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code ice_servers} RPC on the original wire: its bytes, the padding that keeps a request at least
 * as large as its reply, and replies that are cut, mistyped or lie about their lengths.
 */
class IceServersWireTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final MessageId ID = MessageId.fromHex("0102030405060708090a0b0c0d0e0f1011121314");
    private static final String ID_HEX = "0102030405060708090a0b0c0d0e0f1011121314";

    @Test
    void aRequestIsTheNameAndOnePaddingBin() throws Exception {
        // 00 | id | [ "ice_servers", [ bin(0) ] ]
        byte[] bare = WireCodec.encodeRequest(ID, new RpcRequest.IceServers(0));
        assertEquals("00" + ID_HEX + "92" + "ab" + HEX.formatHex("ice_servers".getBytes()) + "91" + "c400", HEX.formatHex(bare));
        assertEquals(new RpcRequest.IceServers(0), ((Datagram.Request) WireCodec.decode(bare)).request());

        byte[] padded = WireCodec.encodeRequest(ID, RpcRequest.IceServers.paddedTo(WireCodec.ICE_SERVERS_REQUEST_BYTES));
        assertEquals(1200, padded.length);
        assertEquals("c5048a", HEX.formatHex(padded, 35, 38), "bin 16 header of 1162 bytes of padding");
        assertEquals(new RpcRequest.IceServers(1162), ((Datagram.Request) WireCodec.decode(padded)).request());
    }

    @Test
    void aReplyIsAMapOfStunAndTurnServers() throws Exception {
        byte[] none = WireCodec.encodeResponse(ID, new RpcResponse.IceServers(new IceServerOffer(true, List.of())));
        // {"stun": true, "turn": []}
        assertEquals("01" + ID_HEX + "82" + "a473747" + "56e" + "c3" + "a47475726e" + "90", HEX.formatHex(none));

        TurnServer turn = new TurnServer(List.of("turn:203.0.113.5:3478?transport=udp", "turn:203.0.113.5:3478?transport=tcp"),
                "1700000600:AAECAwQF", "0123456789abcdefghijklmnopq=", Instant.ofEpochSecond(1_700_000_600));
        IceServerOffer offer = new IceServerOffer(true, List.of(turn));
        byte[] reply = WireCodec.encodeResponse(ID, new RpcResponse.IceServers(offer));
        assertEquals(offer, ((RpcResponse.IceServers) WireCodec.decodeResponse(RpcKind.ICE_SERVERS, body(reply))).offer());
        assertTrue(reply.length < WireCodec.ICE_SERVERS_REQUEST_BYTES, reply.length + " bytes");
    }

    @Test
    void keysALaterVersionAddsAreSkipped() throws Exception {
        // {"stun": false, "ttl": 600, "turn": [{"urls": ["turn:a"], "username": "1:x", "credential": "c", "expires": 1, "x": nil}]}
        byte[] body = HEX.parseHex("83" + "a473747" + "56e" + "c2" + "a3" + "74746c" + "cd0258" + "a47475726e" + "91"
                + "85" + "a475726c73" + "91" + "a6" + "7475726e3a61" + "a8757365726e616d65" + "a3" + "313a78"
                + "aa63726564656e7469616c" + "a163" + "a7" + "65787069726573" + "01" + "a178" + "c0");
        IceServerOffer offer = ((RpcResponse.IceServers) WireCodec.decodeResponse(RpcKind.ICE_SERVERS, body)).offer();
        assertEquals(new IceServerOffer(false, List.of(new TurnServer(List.of("turn:a"), "1:x", "c", Instant.ofEpochSecond(1)))),
                offer);
    }

    @Test
    void badRequestsAreRefusedWithTheirReason() {
        String name = "ab" + HEX.formatHex("ice_servers".getBytes());
        assertRequestReason(DropReason.WRONG_ARITY, "92" + name + "90");
        assertRequestReason(DropReason.WRONG_ARITY, "92" + name + "92c400c400");
        assertRequestReason(DropReason.WRONG_TYPE, "92" + name + "91a0");
        // Padding declaring more bytes than there are.
        assertRequestReason(DropReason.MALFORMED_MSGPACK, "92" + name + "91c5ffff0000");
        assertRequestReason(DropReason.MALFORMED_MSGPACK, "92" + name + "91c6ffffffff");
        // Over the 8192 bytes any request body may have.
        byte[] huge = WireCodec.encodeRequest(ID, new RpcRequest.IceServers(8192));
        MalformedDatagramException e = assertThrows(MalformedDatagramException.class, () -> WireCodec.decode(huge));
        assertEquals(DropReason.OVERSIZED, e.reason());
    }

    @Test
    void badRepliesAreRefusedWithTheirReason() {
        String stunTrue = "a473747" + "56e" + "c3";
        String turnKey = "a47475726e";
        String entry = "a475726c73" + "91" + "a6" + "7475726e3a61" + "a8757365726e616d65" + "a3" + "313a78"
                + "aa63726564656e7469616c" + "a163";
        assertReplyReason(DropReason.WRONG_TYPE, "90");                                      // not a map
        assertReplyReason(DropReason.WRONG_TYPE, "81" + "a473747" + "56e" + "01");           // stun not a bool
        assertReplyReason(DropReason.WRONG_TYPE, "81" + turnKey + "80");                     // turn not a list
        assertReplyReason(DropReason.WRONG_ARITY, "81" + turnKey + "91" + "83" + entry);     // no expires
        String expires = "a7" + "65787069726573";
        assertReplyReason(DropReason.WRONG_TYPE, "81" + turnKey + "91" + "84" + entry + expires + "a131");  // a str
        assertReplyReason(DropReason.WRONG_TYPE, "81" + turnKey + "91" + "84" + entry + expires + "ff");    // -1
        assertReplyReason(DropReason.OVERSIZED, "81" + turnKey + "99" + "80".repeat(9));      // 9 TURN servers
        assertReplyReason(DropReason.OVERSIZED, "81" + turnKey + "91" + "81" + "a475726c73" + "99" + "a0".repeat(9));
        assertReplyReason(DropReason.OVERSIZED, "81" + turnKey + "91" + "81" + "a8757365726e616d65"
                + "da0201" + "61".repeat(513));                                              // a 513-byte username
        assertReplyReason(DropReason.MALFORMED_MSGPACK, "82" + stunTrue);                    // cut off
        assertReplyReason(DropReason.MALFORMED_MSGPACK, "df7fffffff" + stunTrue);            // lies about its size
        assertReplyReason(DropReason.MALFORMED_MSGPACK, "81" + stunTrue + "00");             // bytes after it
    }

    private static void assertRequestReason(DropReason reason, String bodyHex) {
        byte[] datagram = HEX.parseHex("00" + ID_HEX + bodyHex);
        MalformedDatagramException e = assertThrows(MalformedDatagramException.class, () -> WireCodec.decode(datagram));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    private static void assertReplyReason(DropReason reason, String bodyHex) {
        MalformedDatagramException e = assertThrows(MalformedDatagramException.class,
                () -> WireCodec.decodeResponse(RpcKind.ICE_SERVERS, HEX.parseHex(bodyHex)));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    private static byte[] body(byte[] datagram) {
        return Arrays.copyOfRange(datagram, WireCodec.HEADER_LENGTH, datagram.length);
    }

    @Test
    void theTurnServerNeverShowsItsCredential() {
        TurnServer t = new TurnServer(List.of("turn:a"), "1:x", "s3cret", Instant.EPOCH);
        assertTrue(!t.toString().contains("s3cret"), t.toString());
    }
}
