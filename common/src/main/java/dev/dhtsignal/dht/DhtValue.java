package dev.dhtsignal.dht;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * A value stored in the DHT: one MessagePack str, bin, int, float or bool, the only types the original
 * network accepts. The value is kept in its encoded form, exactly as it crossed the wire, so a node hands
 * back the bytes it was given and two values are equal when their encodings are.
 */
public final class DhtValue {
    /** What kind of value it is. */
    public enum Kind { TEXT, BYTES, INTEGER, FLOAT, BOOLEAN }

    private final Kind kind;
    private final byte[] encoded;

    private DhtValue(Kind kind, byte[] encoded) {
        this.kind = kind;
        this.encoded = encoded;
    }

    public static DhtValue text(String text) {
        Objects.requireNonNull(text, "text");
        return pack(Kind.TEXT, p -> p.packString(text));
    }

    public static DhtValue bytes(byte[] data) {
        Objects.requireNonNull(data, "data");
        return pack(Kind.BYTES, p -> {
            p.packBinaryHeader(data.length);
            p.writePayload(data);
        });
    }

    public static DhtValue integer(long value) {
        return pack(Kind.INTEGER, p -> p.packLong(value));
    }

    public static DhtValue floating(double value) {
        return pack(Kind.FLOAT, p -> p.packDouble(value));
    }

    public static DhtValue bool(boolean value) {
        return pack(Kind.BOOLEAN, p -> p.packBoolean(value));
    }

    /**
     * Takes an encoded value as received: exactly one MessagePack value of an allowed type.
     *
     * @throws IllegalArgumentException when the bytes are not one value of an allowed type
     */
    public static DhtValue fromEncoded(byte[] encoded) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(encoded)) {
            if (!u.hasNext()) {
                throw new IllegalArgumentException("empty value");
            }
            Kind kind = kindOf(u.getNextFormat())
                    .orElseThrow(() -> new IllegalArgumentException("not a str, bin, int, float or bool"));
            u.skipValue();
            if (u.hasNext()) {
                throw new IllegalArgumentException("trailing bytes after the value");
            }
            return new DhtValue(kind, encoded.clone());
        } catch (MessagePackException | IOException e) {
            throw new IllegalArgumentException("not a MessagePack value: " + e.getMessage(), e);
        }
    }

    /** The kind a MessagePack format encodes, or empty for the types the network refuses. */
    public static java.util.Optional<Kind> kindOf(MessageFormat format) {
        if (format == MessageFormat.NEVER_USED) {
            return java.util.Optional.empty();  // 0xc1 is reserved and has no type (getValueType throws)
        }
        ValueType type = format.getValueType();
        return java.util.Optional.ofNullable(switch (type) {
            case STRING -> Kind.TEXT;
            case BINARY -> Kind.BYTES;
            case INTEGER -> Kind.INTEGER;
            case FLOAT -> Kind.FLOAT;
            case BOOLEAN -> Kind.BOOLEAN;
            default -> null;
        });
    }

    public Kind kind() {
        return kind;
    }

    /** The encoded bytes (a copy). */
    public byte[] encoded() {
        return encoded.clone();
    }

    /** Size of the encoded value in bytes: what storage and size limits count. */
    public int encodedSize() {
        return encoded.length;
    }

    /** Writes the encoded value into a packer as-is. */
    public void writeTo(MessagePacker packer) throws IOException {
        packer.writePayload(encoded);
    }

    public String asText() {
        expect(Kind.TEXT);
        return unpack(u -> u.unpackString());
    }

    public byte[] asBytes() {
        expect(Kind.BYTES);
        return unpack(u -> u.readPayload(u.unpackBinaryHeader()));
    }

    /** The integer; values beyond the range of long (uint64 above 2^63-1) throw. */
    public long asLong() {
        expect(Kind.INTEGER);
        return unpack(MessageUnpacker::unpackLong);
    }

    public double asDouble() {
        expect(Kind.FLOAT);
        return unpack(MessageUnpacker::unpackDouble);
    }

    public boolean asBoolean() {
        expect(Kind.BOOLEAN);
        return unpack(MessageUnpacker::unpackBoolean);
    }

    private void expect(Kind wanted) {
        if (kind != wanted) {
            throw new IllegalStateException("value is " + kind + ", not " + wanted);
        }
    }

    private interface Writer {
        void write(MessagePacker packer) throws IOException;
    }

    private interface Reader<T> {
        T read(MessageUnpacker unpacker) throws IOException;
    }

    private static DhtValue pack(Kind kind, Writer writer) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            writer.write(p);
            return new DhtValue(kind, p.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("packing into memory cannot fail", e);
        }
    }

    private <T> T unpack(Reader<T> reader) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(encoded)) {
            return reader.read(u);
        } catch (IOException | MessagePackException e) {
            throw new IllegalStateException("value of kind " + kind + " does not decode: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhtValue other && Arrays.equals(encoded, other.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        String shown = switch (kind) {
            case TEXT -> {
                String t = asText();
                yield '"' + (t.length() > 60 ? t.substring(0, 60) + "..." : t) + '"';
            }
            case BYTES -> {
                byte[] b = asBytes();
                yield "bin[" + b.length + "]" + HexFormat.of().formatHex(b, 0, Math.min(b.length, 16));
            }
            case INTEGER -> unpack(MessageUnpacker::unpackBigInteger).toString();
            case FLOAT -> Double.toString(asDouble());
            case BOOLEAN -> Boolean.toString(asBoolean());
        };
        return shown;
    }
}
