package dev.dhtsignal.tools.bench;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Makes hostile datagrams out of the captured ones: each is a captured datagram (with a fresh message id)
 * changed in one of the ways in {@link Kind}, or made from scratch. Deterministic for a given seed, so
 * a datagram that breaks a node can be made again.
 */
final class DatagramMutator {
    /** The ways a datagram is made; the weight is how often, relative to the others. */
    enum Kind {
        VERBATIM(4, "captured datagram as is, fresh message id"),
        BIT_FLIP(20, "1-8 bits flipped"),
        TRUNCATE(10, "cut short"),
        EXTEND(6, "random bytes appended"),
        DUPLICATE_BODY(5, "body repeated 2-4 times"),
        TYPE_BYTES(12, "bytes replaced by msgpack type markers"),
        HUGE_LENGTH(12, "array/map/str/bin/ext header claiming up to 2^32"),
        RANDOM_ARGS(12, "request frame with random msgpack arguments"),
        SPLICE(6, "head of one datagram, tail of another"),
        KIND_BYTE(4, "kind byte changed"),
        RANDOM_BYTES(6, "random bytes"),
        DEEP_NESTING(2, "arrays nested up to 8000 deep"),
        OVERSIZED(1, "8 KB to 64 KB datagram");

        final int weight;
        final String description;

        Kind(int weight, String description) {
            this.weight = weight;
            this.description = description;
        }
    }

    /** One datagram and how it was made. */
    record Mutant(Kind kind, byte[] bytes) {
    }

    /** The largest UDP payload over IPv4. */
    static final int MAX_DATAGRAM = 65_507;
    private static final int HEADER = WireCodec.HEADER_LENGTH;
    /** Bytes that start each kind of MessagePack value (and the one reserved byte, 0xc1). */
    private static final int[] TYPE_MARKERS = {
        0xc0, 0xc1, 0xc2, 0xc3, 0x00, 0x7f, 0xe0, 0xff, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xca, 0xcb,
        0xa0, 0xb4, 0xbf, 0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6, 0x90, 0x93, 0x9f, 0xdc, 0xdd, 0x80, 0x8f, 0xde, 0xdf,
        0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 0xc8, 0xc9,
    };
    /** Headers followed by a 32-bit length: array32, map32, str32, bin32, ext32. */
    private static final int[] LENGTH32_MARKERS = {0xdd, 0xdf, 0xdb, 0xc6, 0xc9};
    /** Headers followed by a 16-bit length: array16, map16, str16, bin16, ext16. */
    private static final int[] LENGTH16_MARKERS = {0xdc, 0xde, 0xda, 0xc5, 0xc8};
    private static final long[] HUGE_LENGTHS = {0x8000_0000L, 0x7fff_ffffL, 0xffff_ffffL, 0xffff_fffeL, 0x0100_0000L};

    private final CapturedDatagrams captured;
    private final Random random;
    private final Kind[] byWeight;

    DatagramMutator(CapturedDatagrams captured, Random random) {
        this.captured = captured;
        this.random = random;
        int total = Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum();
        byWeight = new Kind[total];
        int i = 0;
        for (Kind k : Kind.values()) {
            for (int w = 0; w < k.weight; w++) {
                byWeight[i++] = k;
            }
        }
    }

    Mutant next() {
        Kind kind = byWeight[random.nextInt(byWeight.length)];
        return new Mutant(kind, make(kind));
    }

    /**
     * A broken reply to a request the node sent us (its check of a new contact): a captured response,
     * mutated, with the message id of {@code requestDatagram} (at least a header long), so the node's
     * reply decoder is fuzzed too.
     */
    byte[] garbageResponse(byte[] requestDatagram) {
        Kind kind = switch (random.nextInt(5)) {
            case 0 -> Kind.BIT_FLIP;
            case 1 -> Kind.TRUNCATE;
            case 2 -> Kind.TYPE_BYTES;
            case 3 -> Kind.HUGE_LENGTH;
            default -> Kind.EXTEND;
        };
        byte[] b = mutate(kind, pick(captured.responses()));
        if (b.length < HEADER + 1) {
            b = Arrays.copyOf(b, HEADER + 1);  // zero-filled: a body of one positive fixint
        }
        b[0] = WireCodec.RESPONSE;
        System.arraycopy(requestDatagram, 1, b, 1, MessageId.LENGTH);
        return b;
    }

    private byte[] make(Kind kind) {
        return switch (kind) {
            case RANDOM_ARGS -> randomArgs();
            case SPLICE -> splice();
            case RANDOM_BYTES -> randomBytes();
            case DEEP_NESTING -> deepNesting();
            case OVERSIZED -> oversized();
            default -> mutate(kind, pick(random.nextInt(5) == 0 ? captured.responses() : captured.requests()));
        };
    }

    /** A captured datagram, copied, with a fresh message id. */
    private byte[] pick(java.util.List<byte[]> from) {
        byte[] b = from.get(random.nextInt(from.size())).clone();
        for (int i = 1; i < HEADER && i < b.length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    /** The byte-level mutations of one datagram. */
    private byte[] mutate(Kind kind, byte[] b) {
        switch (kind) {
            case VERBATIM:
                return b;
            case BIT_FLIP: {
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    // Mostly in the body: flips in the message id change nothing the node looks at.
                    int pos = random.nextInt(10) == 0 ? random.nextInt(b.length) : bodyPosition(b.length);
                    b[pos] ^= (byte) (1 << random.nextInt(8));
                }
                return b;
            }
            case TRUNCATE:
                return Arrays.copyOf(b, random.nextInt(b.length));
            case EXTEND: {
                byte[] tail = new byte[1 + random.nextInt(64)];
                random.nextBytes(tail);
                return concat(b, tail);
            }
            case DUPLICATE_BODY: {
                byte[] body = Arrays.copyOfRange(b, HEADER, b.length);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(b, 0, b.length);
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    out.write(body, 0, body.length);
                }
                return out.toByteArray();
            }
            case TYPE_BYTES: {
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    b[bodyPosition(b.length)] = (byte) TYPE_MARKERS[random.nextInt(TYPE_MARKERS.length)];
                }
                return b;
            }
            case HUGE_LENGTH:
                return hugeLength(b);
            case KIND_BYTE:
                b[0] = switch (random.nextInt(4)) {
                    case 0 -> (byte) (b[0] ^ 1);  // a request read as a response and the other way round
                    case 1 -> (byte) 0x02;
                    case 2 -> (byte) 0xff;
                    default -> (byte) random.nextInt(256);
                };
                return b;
            default:
                throw new IllegalArgumentException(kind + " is not a byte-level mutation");
        }
    }

    /** A position after the header, or anywhere in a datagram too short to have a body. */
    private int bodyPosition(int length) {
        return length > HEADER ? HEADER + random.nextInt(length - HEADER) : random.nextInt(length);
    }

    /** Puts a length header that claims far more than the datagram holds somewhere in the body. */
    private byte[] hugeLength(byte[] b) {
        boolean wide = random.nextInt(4) != 0;
        int marker = wide ? LENGTH32_MARKERS[random.nextInt(LENGTH32_MARKERS.length)]
                : LENGTH16_MARKERS[random.nextInt(LENGTH16_MARKERS.length)];
        long length = wide
                ? (random.nextBoolean() ? HUGE_LENGTHS[random.nextInt(HUGE_LENGTHS.length)] : random.nextInt() & 0xffff_ffffL)
                : 0xffff;
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(marker);
        for (int shift = wide ? 24 : 8; shift >= 0; shift -= 8) {
            header.write((int) (length >>> shift) & 0xff);
        }
        if (marker == 0xc9 || marker == 0xc8) {
            header.write(random.nextInt(256));  // the ext type byte
        }
        byte[] h = header.toByteArray();
        int pos = Math.min(b.length, HEADER + random.nextInt(Math.max(1, b.length - HEADER + 1)));
        byte[] out;
        if (random.nextBoolean()) {
            out = new byte[b.length + h.length];  // inserted before what was at pos
            System.arraycopy(b, 0, out, 0, pos);
            System.arraycopy(h, 0, out, pos, h.length);
            System.arraycopy(b, pos, out, pos + h.length, b.length - pos);
        } else {
            out = Arrays.copyOf(b, Math.max(b.length, pos + h.length));  // written over what was at pos
            System.arraycopy(h, 0, out, pos, h.length);
        }
        return out;
    }

    /** A well-framed request, {@code [name, [args...]]}, whose name and arguments are random values. */
    private byte[] randomArgs() {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(random.nextInt(10) == 0 ? random.nextInt(4) : 2);
            RpcKind kind = RpcKind.values()[random.nextInt(RpcKind.values().length)];
            if (random.nextInt(7) == 0) {
                randomValue(p, 0);
            } else {
                p.packString(kind.wireName());
            }
            int arity = random.nextInt(4) == 0 ? Math.max(0, kind.arity() + random.nextInt(3) - 1) : kind.arity();
            p.packArrayHeader(arity);
            for (int i = 0; i < arity; i++) {
                // Half the arguments look right (a 20-byte bin), so checks further along are reached.
                if (random.nextBoolean()) {
                    byte[] id = new byte[20];
                    random.nextBytes(id);
                    p.packBinaryHeader(20);
                    p.writePayload(id);
                } else {
                    randomValue(p, 0);
                }
            }
            return concat(header(WireCodec.REQUEST), p.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("packing into memory cannot fail", e);
        }
    }

    /** One random MessagePack value of any type, nested at most three deep. */
    private void randomValue(MessageBufferPacker p, int depth) throws IOException {
        switch (random.nextInt(depth < 3 ? 13 : 11)) {
            case 0 -> p.packNil();
            case 1 -> p.packBoolean(random.nextBoolean());
            case 2 -> p.packLong(random.nextLong() >> random.nextInt(64));  // every integer width
            case 3 -> p.packBigInteger(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.valueOf(1 + random.nextInt(3))));
            case 4 -> p.packDouble(random.nextGaussian() * 1e6);
            case 5 -> p.packFloat(random.nextFloat());
            case 6 -> p.packString(randomAscii(random.nextInt(4) == 0 ? 20 : random.nextInt(40)));
            case 7 -> {
                byte[] raw = new byte[random.nextInt(24)];  // a str that is probably not UTF-8
                random.nextBytes(raw);
                p.packRawStringHeader(raw.length);
                p.writePayload(raw);
            }
            case 8 -> {
                byte[] bin = new byte[random.nextInt(3) == 0 ? 20 : random.nextInt(64)];
                random.nextBytes(bin);
                p.packBinaryHeader(bin.length);
                p.writePayload(bin);
            }
            case 9 -> {
                byte[] ext = new byte[random.nextInt(17)];
                random.nextBytes(ext);
                p.packExtensionTypeHeader((byte) random.nextInt(256), ext.length);
                p.writePayload(ext);
            }
            case 10 -> p.packString("value");
            case 11 -> {
                int n = random.nextInt(5);
                p.packArrayHeader(n);
                for (int i = 0; i < n; i++) {
                    randomValue(p, depth + 1);
                }
            }
            default -> {
                int n = random.nextInt(4);
                p.packMapHeader(n);
                for (int i = 0; i < 2 * n; i++) {
                    randomValue(p, depth + 1);
                }
            }
        }
    }

    private String randomAscii(int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = (char) (0x20 + random.nextInt(0x5f));
        }
        return new String(c);
    }

    private byte[] splice() {
        byte[] a = pick(random.nextBoolean() ? captured.requests() : captured.responses());
        byte[] b = pick(random.nextBoolean() ? captured.requests() : captured.responses());
        int cutA = HEADER + random.nextInt(Math.max(1, a.length - HEADER));
        int cutB = HEADER + random.nextInt(Math.max(1, b.length - HEADER));
        return concat(Arrays.copyOf(a, Math.min(cutA, a.length)), Arrays.copyOfRange(b, Math.min(cutB, b.length), b.length));
    }

    private byte[] randomBytes() {
        byte[] b = new byte[random.nextInt(600)];
        random.nextBytes(b);
        if (b.length > 0 && random.nextBoolean()) {
            b[0] = (byte) random.nextInt(2);  // a valid kind byte, so decoding gets past it
        }
        return b;
    }

    /**
     * A store whose value is arrays (or one-entry maps) nested up to 8000 deep, under the 8192-byte body
     * limit. Everything before the value is a valid store, so the decoder must walk the nesting itself to
     * refuse it, which is what this case is for; a quarter of them end inside the nesting.
     */
    private byte[] deepNesting() {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            for (int id = 0; id < 2; id++) {  // the sender's id and the key
                byte[] bytes = new byte[NodeId.LENGTH];
                random.nextBytes(bytes);
                p.packBinaryHeader(bytes.length);
                p.writePayload(bytes);
            }
            boolean maps = random.nextBoolean();
            int depth = 100 + random.nextInt(WireCodec.MAX_REQUEST_BODY - 200);
            for (int i = 0; i < depth; i++) {
                if (maps) {
                    p.packMapHeader(1);
                    p.packNil();  // the key; the rest of the nesting is its value
                } else {
                    p.packArrayHeader(1);
                }
            }
            if (random.nextInt(4) != 0) {
                p.packNil();
            }
            byte[] body = p.toByteArray();
            if (body.length > WireCodec.MAX_REQUEST_BODY) {
                body = Arrays.copyOf(body, WireCodec.MAX_REQUEST_BODY);
            }
            return concat(header(WireCodec.REQUEST), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Over the 8192-byte request body limit: a store with a huge value, or noise, up to the UDP maximum. */
    private byte[] oversized() {
        int shortest = HEADER + WireCodec.MAX_REQUEST_BODY + 1;
        int length = shortest + random.nextInt(MAX_DATAGRAM - shortest + 1);
        byte[] b = new byte[length];
        random.nextBytes(b);
        b[0] = random.nextInt(4) == 0 ? WireCodec.RESPONSE : WireCodec.REQUEST;
        if (random.nextBoolean()) {
            byte[] store = pick(captured.requests());
            System.arraycopy(store, 0, b, 0, Math.min(store.length, b.length));
        }
        return b;
    }

    private byte[] header(byte kind) {
        byte[] h = new byte[HEADER];
        h[0] = kind;
        for (int i = 1; i < HEADER; i++) {
            h[i] = (byte) random.nextInt(256);
        }
        return h;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
