package dev.dhtsignal.dht.kademlia.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.DhtValue;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * What other nodes may send that is odd but not wrong: contact lists with entries we cannot use, values
 * of types we do not keep, a stun reply of an IPv6 Python node. Each keeps what is usable, and what is
 * not is skipped or refused, never taken for a broken message.
 */
class LenientDecodingTest {
    private static final byte[] GOOD_ID = new byte[20];

    private interface Body {
        void write(MessageBufferPacker p) throws IOException;
    }

    private static byte[] body(Body b) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            b.write(p);
            return p.toByteArray();
        }
    }

    private static void bin(MessageBufferPacker p, byte[] b) throws IOException {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    private static void contact(MessageBufferPacker p, byte[] id, String host, int port) throws IOException {
        p.packArrayHeader(3);
        bin(p, id);
        p.packString(host);
        p.packInt(port);
    }

    @Test
    void aContactListKeepsItsGoodEntriesAndCountsTheOthers() throws Exception {
        byte[] list = body(p -> {
            p.packArrayHeader(7);
            contact(p, GOOD_ID, "10.0.0.1", 8468);
            contact(p, new byte[19], "10.0.0.2", 8468);                      // id of 19 bytes, as Python relays
            p.packArrayHeader(2);                                             // two fields
            bin(p, GOOD_ID);
            p.packString("10.0.0.3");
            p.packArrayHeader(3);                                             // host that is a number
            bin(p, GOOD_ID);
            p.packInt(1);
            p.packInt(8468);
            p.packArrayHeader(3);                                             // port that is a str
            bin(p, GOOD_ID);
            p.packString("10.0.0.4");
            p.packString("8468");
            p.packMapHeader(1);                                               // not a list at all, nested
            p.packString("x");
            p.packArrayHeader(1);
            p.packArrayHeader(0);
            contact(p, GOOD_ID, "10.0.0.5", 9000);
        });
        for (RpcKind kind : List.of(RpcKind.FIND_NODE, RpcKind.FIND_VALUE)) {
            RpcResponse.Nodes nodes = (RpcResponse.Nodes) WireCodec.decodeResponse(kind, list);
            assertEquals(List.of("10.0.0.1", "10.0.0.5"), nodes.contacts().stream().map(WireContact::host).toList());
            assertEquals(5, nodes.skipped());
        }
    }

    @Test
    void aFoundValueOfATypeWeDoNotKeepIsUnusableNotMalformed() throws Exception {
        byte[] array = body(p -> {
            p.packMapHeader(1);
            p.packString("value");
            p.packArrayHeader(2);
            p.packInt(1);
            p.packInt(2);
        });
        byte[] badText = body(p -> {
            p.packMapHeader(1);
            p.packString("value");
            p.packRawStringHeader(3);
            p.writePayload(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd});
        });
        assertInstanceOf(RpcResponse.UnusableValue.class, WireCodec.decodeResponse(RpcKind.FIND_VALUE, array));
        assertInstanceOf(RpcResponse.UnusableValue.class, WireCodec.decodeResponse(RpcKind.FIND_VALUE, badText));
    }

    @Test
    void storesOfValuesWeDoNotKeepDecodeAsRefusedStores() throws Exception {
        List<Body> refused = List.of(
                p -> p.packNil(),
                p -> p.packMapHeader(0),
                p -> {
                    p.packArrayHeader(1);
                    p.packInt(1);
                },
                p -> {
                    p.packRawStringHeader(2);
                    p.writePayload(new byte[] {(byte) 0xc3, (byte) 0x28});  // not UTF-8
                },
                p -> {
                    p.packRawStringHeader(3);
                    p.writePayload(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80});  // a lone surrogate
                });
        for (Body value : refused) {
            RpcRequest request = ((Datagram.Request) WireCodec.decode(storeDatagram(value))).request();
            RpcRequest.RefusedStore store = assertInstanceOf(RpcRequest.RefusedStore.class, request);
            assertEquals(RpcKind.STORE, store.kind());
        }
    }

    @Test
    void storesOfTheFiveKeptTypesDecodeWithTheirExactBytes() throws Exception {
        List<DhtValue> kept = List.of(DhtValue.text("héllo ✓"), DhtValue.bytes(new byte[] {1, 2}),
                DhtValue.integer(-5), DhtValue.floating(1.5), DhtValue.bool(true), DhtValue.text(""));
        for (DhtValue value : kept) {
            RpcRequest request = ((Datagram.Request) WireCodec.decode(storeDatagram(p -> value.writeTo(p)))).request();
            assertEquals(value, assertInstanceOf(RpcRequest.Store.class, request).value());
        }
    }

    @Test
    void valuesAndContactEntriesNested8000DeepAreWalkedThroughWithoutRecursion() throws Exception {
        int depth = 8000;
        RpcRequest request = ((Datagram.Request) WireCodec.decode(storeDatagram(p -> {
            for (int i = 0; i < depth; i++) {
                p.packArrayHeader(1);
            }
            p.packNil();
        }))).request();
        assertInstanceOf(RpcRequest.RefusedStore.class, request);

        byte[] list = body(p -> {
            p.packArrayHeader(2);
            for (int i = 0; i < depth; i++) {
                p.packArrayHeader(1);
            }
            p.packNil();
            contact(p, GOOD_ID, "10.0.0.9", 8468);
        });
        RpcResponse.Nodes nodes = (RpcResponse.Nodes) WireCodec.decodeResponse(RpcKind.FIND_NODE, list);
        assertEquals(1, nodes.skipped());
        assertEquals("10.0.0.9", nodes.contacts().get(0).host());
    }

    @Test
    void theStunReplyOfAnIpv6PythonNodeIsRead() throws Exception {
        byte[] fourTuple = body(p -> {
            p.packArrayHeader(4);
            p.packString("2001:db8::1");
            p.packInt(8468);
            p.packInt(0);
            p.packInt(0);
        });
        assertEquals(new RpcResponse.StunReply("2001:db8::1", 8468), WireCodec.decodeResponse(RpcKind.STUN, fourTuple));
        byte[] pair = body(p -> {
            p.packArrayHeader(2);
            p.packString("192.0.2.7");
            p.packInt(8468);
        });
        assertEquals(new RpcResponse.StunReply("192.0.2.7", 8468), WireCodec.decodeResponse(RpcKind.STUN, pair));
        byte[] three = body(p -> {
            p.packArrayHeader(3);
            p.packString("192.0.2.7");
            p.packInt(8468);
            p.packInt(0);
        });
        MalformedDatagramException e = org.junit.jupiter.api.Assertions.assertThrows(MalformedDatagramException.class,
                () -> WireCodec.decodeResponse(RpcKind.STUN, three));
        assertTrue(e.reason() == DropReason.WRONG_ARITY, e.getMessage());
    }

    private static byte[] storeDatagram(Body value) throws IOException {
        byte[] b = body(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            bin(p, GOOD_ID);
            bin(p, GOOD_ID);
            value.write(p);
        });
        byte[] datagram = new byte[WireCodec.HEADER_LENGTH + b.length];
        System.arraycopy(b, 0, datagram, WireCodec.HEADER_LENGTH, b.length);
        return datagram;  // kind byte 0 (request), message id all zeros
    }
}
