package dev.dhtsignal.dht.stun;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * STUN messages (RFC 8489) to and from datagrams: what a STUN server needs (a Binding request in, a
 * success or 420 error response out) and what a client needs to ask (a Binding request) and read the
 * answer (XOR-MAPPED-ADDRESS).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |0 0|     STUN Message Type     |         Message Length        |   length: of what follows the header,
 * |                    Magic Cookie 0x2112A442                    |           a multiple of 4
 * |                 Transaction ID (96 bits)                      |
 * |  Attribute Type               |  Attribute Length             |   each value padded to 4 bytes
 * |  Value ...                                                    |
 * </pre>
 *
 * FINGERPRINT, when present, is the last attribute: the CRC-32 of the message before it (with the length
 * field already counting it), XORed with 0x5354554E. Written by hand: the Java STUN library that is kept
 * up, ice4j, brings 17 jars (9.1 MB, Kotlin's runtime among them) and took 400-570 ms of CPU on its first
 * use here (README, "Why a hand-written STUN codec").
 */
public final class StunCodec {
    public static final int HEADER_BYTES = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    public static final int TRANSACTION_ID_BYTES = 12;
    static final int FINGERPRINT_XOR = 0x5354554E;
    private static final int FINGERPRINT_BYTES = 8;
    private static final int FAMILY_IPV4 = 0x01;
    private static final int FAMILY_IPV6 = 0x02;

    private StunCodec() {
    }

    /**
     * Whether a datagram has the shape of a STUN message: the first two bits zero, the magic cookie at
     * bytes 4..7, and a length field equal to the bytes after the header, a multiple of 4. The original
     * network's datagrams also start with 0x00 or 0x01, but then carry 20 random bytes, so the cookie and
     * the length together match one of them by chance about once in 2^48; Mainline's start with 'd'.
     */
    public static boolean looksLikeStun(byte[] data, int length) {
        if (length < HEADER_BYTES || (data[0] & 0xC0) != 0) {
            return false;
        }
        int declared = ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        return ByteBuffer.wrap(data, 4, 4).getInt() == MAGIC_COOKIE
                && declared == length - HEADER_BYTES && declared % 4 == 0;
    }

    /**
     * Reads a STUN message, checking every attribute's length against the bytes present and the
     * FINGERPRINT when there is one.
     *
     * @throws StunFormatException saying what is wrong
     */
    public static StunMessage decode(byte[] data, int length) throws StunFormatException {
        if (!looksLikeStun(data, length)) {
            throw new StunFormatException(length < HEADER_BYTES ? "shorter than a STUN header (" + length + " bytes)"
                    : "not a STUN header (first bits, magic cookie or length field)");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        int type = b.getShort() & 0x3FFF;
        b.getShort();
        b.getInt();
        byte[] transactionId = new byte[TRANSACTION_ID_BYTES];
        b.get(transactionId);
        List<StunAttribute> attributes = new ArrayList<>();
        boolean afterIntegrity = false;
        boolean fingerprinted = false;
        while (b.hasRemaining()) {
            int start = b.position();
            if (fingerprinted) {
                throw new StunFormatException("an attribute follows FINGERPRINT, which must be last");
            }
            if (b.remaining() < 4) {
                throw new StunFormatException("an attribute header is cut off at byte " + start);
            }
            int attributeType = b.getShort() & 0xFFFF;
            int valueLength = b.getShort() & 0xFFFF;
            int padded = (valueLength + 3) & ~3;
            if (padded > b.remaining()) {
                throw new StunFormatException(String.format("attribute 0x%04x declares %d bytes, %d left",
                        attributeType, valueLength, b.remaining()));
            }
            byte[] value = new byte[valueLength];
            b.get(value);
            b.position(b.position() + padded - valueLength);
            if (attributeType == StunAttribute.FINGERPRINT) {
                if (valueLength != 4) {
                    throw new StunFormatException("FINGERPRINT of " + valueLength + " bytes");
                }
                if (ByteBuffer.wrap(value).getInt() != fingerprint(data, start)) {
                    throw new StunFormatException("FINGERPRINT does not match the message");
                }
                fingerprinted = true;
            } else if (!afterIntegrity || attributeType == StunAttribute.MESSAGE_INTEGRITY_SHA256) {
                attributes.add(new StunAttribute(attributeType, value));
            }
            if (attributeType == StunAttribute.MESSAGE_INTEGRITY || attributeType == StunAttribute.MESSAGE_INTEGRITY_SHA256) {
                afterIntegrity = true;
            }
        }
        return new StunMessage(type, transactionId, attributes, fingerprinted);
    }

    /** The FINGERPRINT value of a message whose FINGERPRINT attribute starts at {@code end}. */
    static int fingerprint(byte[] message, int end) {
        CRC32 crc = new CRC32();
        crc.update(message, 0, end);
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }

    /** A Binding request with FINGERPRINT and nothing else: 28 bytes. */
    public static byte[] bindingRequest(byte[] transactionId) {
        return encode(StunMessage.BINDING | StunMessage.REQUEST, transactionId, List.of());
    }

    /**
     * The Binding success response telling the client {@code mapped}, the address its request came from:
     * XOR-MAPPED-ADDRESS and FINGERPRINT, 40 bytes for IPv4 and 52 for IPv6.
     */
    public static byte[] bindingSuccess(byte[] transactionId, InetSocketAddress mapped) {
        return encode(StunMessage.BINDING | StunMessage.SUCCESS_RESPONSE, transactionId,
                List.of(xorMappedAddress(transactionId, mapped)));
    }

    /** The 420 (Unknown Attribute) error response listing the comprehension-required types not understood. */
    public static byte[] unknownAttributes(byte[] transactionId, List<Integer> types) {
        ByteBuffer list = ByteBuffer.allocate(2 * types.size());
        types.forEach(t -> list.putShort((short) (int) t));
        return encode(StunMessage.BINDING | StunMessage.ERROR_RESPONSE, transactionId,
                List.of(errorCode(420, "Unknown Attribute"), new StunAttribute(StunAttribute.UNKNOWN_ATTRIBUTES, list.array())));
    }

    /** ERROR-CODE: two reserved bytes, the class (hundreds) and number, then a UTF-8 reason phrase. */
    private static StunAttribute errorCode(int code, String reason) {
        byte[] phrase = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuffer v = ByteBuffer.allocate(4 + phrase.length);
        v.putShort((short) 0).put((byte) (code / 100)).put((byte) (code % 100)).put(phrase);
        return new StunAttribute(StunAttribute.ERROR_CODE, v.array());
    }

    /**
     * XOR-MAPPED-ADDRESS: a reserved byte, the family, the port XORed with the cookie's top 16 bits, and
     * the address XORed with the cookie (IPv4) or the cookie and transaction id (IPv6), so that NATs that
     * rewrite addresses they find in packets leave it alone.
     */
    static StunAttribute xorMappedAddress(byte[] transactionId, InetSocketAddress mapped) {
        byte[] address = mapped.getAddress().getAddress();
        byte[] mask = xorMask(transactionId);
        ByteBuffer v = ByteBuffer.allocate(4 + address.length);
        v.put((byte) 0).put((byte) (address.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6));
        v.putShort((short) (mapped.getPort() ^ (MAGIC_COOKIE >>> 16)));
        for (int i = 0; i < address.length; i++) {
            v.put((byte) (address[i] ^ mask[i]));
        }
        return new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, v.array());
    }

    /**
     * The address a success response tells (its XOR-MAPPED-ADDRESS).
     *
     * @throws StunFormatException when it has none, or one that cannot be read
     */
    public static InetSocketAddress mappedAddress(StunMessage response) throws StunFormatException {
        byte[] v = response.attribute(StunAttribute.XOR_MAPPED_ADDRESS)
                .orElseThrow(() -> new StunFormatException("no XOR-MAPPED-ADDRESS")).value();
        int family = v.length >= 2 ? v[1] : -1;
        int addressBytes = family == FAMILY_IPV4 ? 4 : family == FAMILY_IPV6 ? 16 : -1;
        if (addressBytes < 0 || v.length != 4 + addressBytes) {
            throw new StunFormatException("XOR-MAPPED-ADDRESS of family " + family + " and " + v.length + " bytes");
        }
        byte[] mask = xorMask(response.transactionId());
        byte[] address = new byte[addressBytes];
        for (int i = 0; i < addressBytes; i++) {
            address[i] = (byte) (v[4 + i] ^ mask[i]);
        }
        int port = (((v[2] & 0xFF) << 8) | (v[3] & 0xFF)) ^ (MAGIC_COOKIE >>> 16);
        try {
            InetAddress a = addressBytes == 4 ? Inet4Address.getByAddress(address) : Inet6Address.getByAddress(null, address, -1);
            return new InetSocketAddress(a, port);
        } catch (UnknownHostException e) {
            throw new StunFormatException("XOR-MAPPED-ADDRESS: " + e.getMessage());
        }
    }

    /** The magic cookie followed by the transaction id: what address bytes are XORed with. */
    private static byte[] xorMask(byte[] transactionId) {
        return ByteBuffer.allocate(16).putInt(MAGIC_COOKIE).put(transactionId).array();
    }

    /** Header, attributes (each padded with zeros to 4 bytes), and FINGERPRINT last. */
    static byte[] encode(int type, byte[] transactionId, List<StunAttribute> attributes) {
        if (transactionId.length != TRANSACTION_ID_BYTES) {
            throw new IllegalArgumentException("a transaction id is 12 bytes, got " + transactionId.length);
        }
        int body = FINGERPRINT_BYTES;
        for (StunAttribute a : attributes) {
            body += 4 + ((a.value().length + 3) & ~3);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + body);
        b.putShort((short) type).putShort((short) body).putInt(MAGIC_COOKIE).put(transactionId);
        for (StunAttribute a : attributes) {
            b.putShort((short) a.type()).putShort((short) a.value().length).put(a.value());
            b.position(b.position() + (((a.value().length + 3) & ~3) - a.value().length));
        }
        int fingerprintAt = b.position();
        b.putShort((short) StunAttribute.FINGERPRINT).putShort((short) 4).putInt(fingerprint(b.array(), fingerprintAt));
        return b.array();
    }
}
