package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** Hand-made bad datagrams, one per way a datagram can be wrong, each with the reason it must be dropped for. */
public final class BadDatagrams {
    /** A bad datagram and why it is bad. */
    public record Case(String name, byte[] bytes, DropReason reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final byte[] ID = new byte[20];
    private static final byte[] NODE = new byte[20];

    static {
        Arrays.fill(ID, (byte) 0x11);
        Arrays.fill(NODE, (byte) 0xbb);
    }

    private interface Body {
        void write(MessageBufferPacker p) throws IOException;
    }

    /** Header (request kind, fixed message id) followed by a body written with msgpack-core. */
    static byte[] request(Body body) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.writePayload(new byte[] {WireCodec.REQUEST});
            p.writePayload(ID);
            body.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] raw(int kind, byte... body) {
        byte[] out = new byte[21 + body.length];
        out[0] = (byte) kind;
        System.arraycopy(ID, 0, out, 1, 20);
        System.arraycopy(body, 0, out, 21, body.length);
        return out;
    }

    static void bin(MessageBufferPacker p, byte[] b) throws IOException {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    /** A well-formed ping with our fixed ids: what the bad cases are variations of. */
    public static byte[] goodPing() {
        return WireCodec.encodeRequest(MessageId.of(ID), new RpcRequest.Ping(NodeId.of(NODE)));
    }

    public static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        // Too short: less than header plus one body byte.
        cases.add(new Case("empty datagram", new byte[0], DropReason.TOO_SHORT));
        cases.add(new Case("header only", raw(0), DropReason.TOO_SHORT));
        // Unknown kind byte.
        cases.add(new Case("kind byte 0x02", raw(2, (byte) 0x90), DropReason.UNKNOWN_KIND));
        cases.add(new Case("kind byte 0xff", raw(0xff, (byte) 0x90), DropReason.UNKNOWN_KIND));
        // Truncated MessagePack.
        byte[] ping = goodPing();
        cases.add(new Case("ping cut in its node id", Arrays.copyOf(ping, ping.length - 5), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("str header promising more than is there",
                raw(0, (byte) 0x92, (byte) 0xa4, (byte) 'p', (byte) 'i'), DropReason.MALFORMED_MSGPACK));
        // Lying lengths: headers that declare far more than the datagram holds.
        cases.add(new Case("array32 declaring 2^31 elements",
                raw(0, (byte) 0xdd, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("args array32 declaring 4 billion elements", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.writePayload(new byte[] {(byte) 0xdd, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
        }), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("bin32 node id declaring 2 GB", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.packArrayHeader(1);
            p.writePayload(new byte[] {(byte) 0xc6, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
        }), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("str32 value declaring 2 GB", request(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            bin(p, NODE);
            bin(p, NODE);
            p.writePayload(new byte[] {(byte) 0xdb, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'x'});
        }), DropReason.MALFORMED_MSGPACK));
        // Invalid MessagePack.
        cases.add(new Case("reserved byte 0xc1 as body", raw(0, (byte) 0xc1), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("bytes after the request", concat(ping, new byte[] {(byte) 0xc0}), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("store value is the reserved byte 0xc1", request(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            bin(p, NODE);
            bin(p, NODE);
            p.writePayload(new byte[] {(byte) 0xc1});
        }), DropReason.MALFORMED_MSGPACK));
        cases.add(new Case("rpc name not UTF-8", request(p -> {
            p.packArrayHeader(2);
            p.packRawStringHeader(2);
            p.writePayload(new byte[] {(byte) 0xc3, (byte) 0x28});
            p.packArrayHeader(0);
        }), DropReason.MALFORMED_MSGPACK));
        // Wrong types.
        cases.add(new Case("body is a map", request(p -> p.packMapHeader(0)), DropReason.WRONG_TYPE));
        cases.add(new Case("rpc name is an int", request(p -> {
            p.packArrayHeader(2);
            p.packInt(7);
            p.packArrayHeader(0);
        }), DropReason.WRONG_TYPE));
        cases.add(new Case("args is a str", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.packString("oops");
        }), DropReason.WRONG_TYPE));
        cases.add(new Case("node id sent as str", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.packArrayHeader(1);
            p.packString("bbbbbbbbbbbbbbbbbbbb");
        }), DropReason.WRONG_TYPE));
        // Wrong arity.
        cases.add(new Case("request of 3 elements", request(p -> {
            p.packArrayHeader(3);
            p.packString("ping");
            p.packArrayHeader(1);
            bin(p, NODE);
        }), DropReason.WRONG_ARITY));
        cases.add(new Case("ping with 2 arguments", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.packArrayHeader(2);
            bin(p, NODE);
            bin(p, NODE);
        }), DropReason.WRONG_ARITY));
        cases.add(new Case("store with 2 arguments", request(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(2);
            bin(p, NODE);
            bin(p, NODE);
        }), DropReason.WRONG_ARITY));
        cases.add(new Case("stun with an argument", request(p -> {
            p.packArrayHeader(2);
            p.packString("stun");
            p.packArrayHeader(1);
            bin(p, NODE);
        }), DropReason.WRONG_ARITY));
        // 20-byte fields of the wrong length.
        cases.add(new Case("node id of 19 bytes", request(p -> {
            p.packArrayHeader(2);
            p.packString("ping");
            p.packArrayHeader(1);
            bin(p, new byte[19]);
        }), DropReason.BAD_ID_LENGTH));
        cases.add(new Case("find_value key of 21 bytes", request(p -> {
            p.packArrayHeader(2);
            p.packString("find_value");
            p.packArrayHeader(2);
            bin(p, NODE);
            bin(p, new byte[21]);
        }), DropReason.BAD_ID_LENGTH));
        cases.add(new Case("empty find_node key", request(p -> {
            p.packArrayHeader(2);
            p.packString("find_node");
            p.packArrayHeader(2);
            bin(p, NODE);
            bin(p, new byte[0]);
        }), DropReason.BAD_ID_LENGTH));
        // Oversized body.
        cases.add(new Case("request body over 8192 bytes", request(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            bin(p, NODE);
            bin(p, NODE);
            bin(p, new byte[9000]);
        }), DropReason.OVERSIZED));
        // Unknown RPC names.
        cases.add(new Case("unknown rpc 'delete'", request(p -> {
            p.packArrayHeader(2);
            p.packString("delete");
            p.packArrayHeader(1);
            bin(p, NODE);
        }), DropReason.UNKNOWN_RPC));
        cases.add(new Case("rpc name 'PING' (case matters)", request(p -> {
            p.packArrayHeader(2);
            p.packString("PING");
            p.packArrayHeader(1);
            bin(p, NODE);
        }), DropReason.UNKNOWN_RPC));
        cases.add(new Case("rpc name of 1000 bytes", request(p -> {
            p.packArrayHeader(2);
            p.packString("x".repeat(1000));
            p.packArrayHeader(0);
        }), DropReason.UNKNOWN_RPC));
        return cases;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
