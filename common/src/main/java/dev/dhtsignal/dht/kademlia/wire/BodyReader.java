package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Reads the fields of one MessagePack body with msgpack-core, checking each field's type before it is
 * read and each declared length against the bytes actually there, so that a hostile datagram can neither
 * allocate more than its own size nor raise anything but {@link MalformedDatagramException}.
 */
final class BodyReader implements AutoCloseable {
    private final byte[] data;
    private final int offset;
    private final int length;
    private final MessageUnpacker unpacker;

    BodyReader(byte[] data, int offset, int length) {
        this.data = data;
        this.offset = offset;
        this.length = length;
        this.unpacker = MessagePack.newDefaultUnpacker(data, offset, length);
    }

    private int remaining() {
        return length - (int) unpacker.getTotalReadBytes();
    }

    private MessageFormat next() throws MalformedDatagramException {
        try {
            if (!unpacker.hasNext()) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, "body ends early");
            }
            return unpacker.getNextFormat();
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    private void expectType(ValueType wanted, String what) throws MalformedDatagramException {
        MessageFormat format = next();
        if (format == MessageFormat.NEVER_USED) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, "reserved byte 0xc1 in " + what);
        }
        if (format.getValueType() != wanted) {
            throw new MalformedDatagramException(DropReason.WRONG_TYPE,
                    what + " is " + format.getValueType() + ", expected " + wanted);
        }
    }

    ValueType peekType() throws MalformedDatagramException {
        MessageFormat format = next();
        if (format == MessageFormat.NEVER_USED) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, "reserved byte 0xc1");
        }
        return format.getValueType();
    }

    /** An array header; its declared size must fit the bytes left (each element takes at least one). */
    int arrayHeader(String what) throws MalformedDatagramException {
        expectType(ValueType.ARRAY, what);
        try {
            int n = unpacker.unpackArrayHeader();
            if (n < 0 || n > remaining()) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                        what + " declares " + Integer.toUnsignedString(n) + " elements in " + remaining() + " bytes");
            }
            return n;
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    void arrayOf(int arity, String what) throws MalformedDatagramException {
        int n = arrayHeader(what);
        if (n != arity) {
            throw new MalformedDatagramException(DropReason.WRONG_ARITY,
                    what + " has " + n + " elements, expected " + arity);
        }
    }

    int mapHeader(String what) throws MalformedDatagramException {
        expectType(ValueType.MAP, what);
        try {
            int n = unpacker.unpackMapHeader();
            if (n < 0 || n > remaining() / 2) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                        what + " declares " + Integer.toUnsignedString(n) + " entries in " + remaining() + " bytes");
            }
            return n;
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    /** A UTF-8 str of at most {@code maxBytes}; longer ones are refused before they are read. */
    String string(int maxBytes, String what) throws MalformedDatagramException {
        return string(maxBytes, DropReason.WRONG_TYPE, what);
    }

    /** As {@link #string(int, String)}, counting an over-long str under {@code tooLong}. */
    String string(int maxBytes, DropReason tooLong, String what) throws MalformedDatagramException {
        expectType(ValueType.STRING, what);
        try {
            int n = unpacker.unpackRawStringHeader();
            if (n < 0 || n > remaining()) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                        what + " declares " + Integer.toUnsignedString(n) + " bytes, " + remaining() + " left");
            }
            if (n > maxBytes) {
                throw new MalformedDatagramException(tooLong,
                        what + " is " + n + " bytes, at most " + maxBytes + " expected");
            }
            return strictUtf8(unpacker.readPayload(n));
        } catch (CharacterCodingException e) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, what + " is not UTF-8");
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    /** A 20-byte id, sent as msgpack bin. */
    NodeId id(String what) throws MalformedDatagramException {
        expectType(ValueType.BINARY, what);
        try {
            int n = unpacker.unpackBinaryHeader();
            if (n < 0 || n > remaining()) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                        what + " declares " + Integer.toUnsignedString(n) + " bytes, " + remaining() + " left");
            }
            if (n != NodeId.LENGTH) {
                throw new MalformedDatagramException(DropReason.BAD_ID_LENGTH, what + " is " + n + " bytes");
            }
            return NodeId.of(unpacker.readPayload(n));
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    /** A msgpack bin whose bytes do not matter (padding): returns its length, having skipped it. */
    int skippedBinary(String what) throws MalformedDatagramException {
        expectType(ValueType.BINARY, what);
        try {
            int n = unpacker.unpackBinaryHeader();
            if (n < 0 || n > remaining()) {
                throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                        what + " declares " + Integer.toUnsignedString(n) + " bytes, " + remaining() + " left");
            }
            unpacker.readPayloadAsReference(n);
            return n;
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    long integer(String what) throws MalformedDatagramException {
        expectType(ValueType.INTEGER, what);
        try {
            return unpacker.unpackLong();
        } catch (org.msgpack.core.MessageIntegerOverflowException e) {
            throw new MalformedDatagramException(DropReason.WRONG_TYPE, what + " does not fit 64 bits");
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    boolean bool(String what) throws MalformedDatagramException {
        expectType(ValueType.BOOLEAN, what);
        try {
            return unpacker.unpackBoolean();
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
    }

    /**
     * A stored value, kept as the exact bytes it was sent as. Any well-formed MessagePack value is read
     * (the original network stores whatever it is given); one this network does not keep, a str that is
     * not UTF-8 among them, comes back as a refusal with the reason, so that the caller can answer it.
     */
    CarriedValue value(String what) throws MalformedDatagramException {
        MessageFormat format = next();
        if (format == MessageFormat.NEVER_USED) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, "reserved byte 0xc1 in " + what);
        }
        int start = (int) unpacker.getTotalReadBytes();
        try {
            unpacker.skipValue();
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
        int end = (int) unpacker.getTotalReadBytes();
        if (DhtValue.kindOf(format).isEmpty()) {
            return CarriedValue.refused(what + " is " + format.getValueType()
                    + "; values are str, bin, int, float or bool");
        }
        byte[] encoded = Arrays.copyOfRange(data, offset + start, offset + end);
        if (format.getValueType() == ValueType.STRING && !isUtf8StringValue(encoded)) {
            // The Python nodes' decoder raises on such a str and they then stop answering us.
            return CarriedValue.refused(what + " is a str that is not valid UTF-8");
        }
        return CarriedValue.of(DhtValue.fromEncoded(encoded));
    }

    private static boolean isUtf8StringValue(byte[] encoded) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(encoded)) {
            int n = u.unpackRawStringHeader();
            strictUtf8(u.readPayload(n));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        } catch (IOException | MessagePackException e) {
            return false;  // cannot happen: the value was skipped whole above
        }
    }

    private static String strictUtf8(byte[] raw) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(raw))
                .toString();
    }

    /**
     * Skips one whole MessagePack value (of any type, nested or not) and returns its bytes, so that a
     * list entry can be read on its own and, if unusable, passed over without losing the rest.
     */
    byte[] rawValue(String what) throws MalformedDatagramException {
        MessageFormat format = next();
        if (format == MessageFormat.NEVER_USED) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, "reserved byte 0xc1 in " + what);
        }
        int start = (int) unpacker.getTotalReadBytes();
        try {
            unpacker.skipValue();
        } catch (IOException | MessagePackException e) {
            throw malformed(e);
        }
        int end = (int) unpacker.getTotalReadBytes();
        return Arrays.copyOfRange(data, offset + start, offset + end);
    }

    /** Refuses anything after the message: a body is exactly one MessagePack value. */
    void expectEnd() throws MalformedDatagramException {
        if (remaining() != 0) {
            throw new MalformedDatagramException(DropReason.MALFORMED_MSGPACK,
                    remaining() + " bytes after the message");
        }
    }

    private static MalformedDatagramException malformed(Exception e) {
        String detail = e instanceof MessageInsufficientBufferException ? "body is cut off" : e.toString();
        return new MalformedDatagramException(DropReason.MALFORMED_MSGPACK, detail);
    }

    @Override
    public void close() {
        try {
            unpacker.close();
        } catch (IOException e) {
            // An unpacker over a byte array holds nothing to release.
        }
    }
}
