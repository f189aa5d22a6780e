package dev.dhtsignal.dht.mainline;

import com.dampcake.bencode.Bencode;
import com.dampcake.bencode.BencodeException;
import com.dampcake.bencode.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bencode through the {@code com.dampcake:bencode} library, set up for binary data: byte strings come back
 * as {@code byte[]}, and dictionary keys are read as ISO-8859-1 so that every byte of a key survives.
 *
 * <p>The library is lenient: it reads leading zeros, trailing bytes and duplicate keys, and lets integers
 * past 64 bits wrap. {@link #decode} refuses input whose canonical encoding has another length, which
 * catches all of these except an overflow that happens to keep its length; the integers whose value
 * matters are checked elsewhere (a signature covers {@code seq}, ports are range-checked). Unsorted keys
 * are accepted.
 */
public final class Bencoding {
    private static final Bencode BENCODE = new Bencode(StandardCharsets.ISO_8859_1, true);

    private Bencoding() {
    }

    /** Encodes a dictionary; values may be {@code byte[]}, {@code String}, numbers, lists and maps. */
    public static byte[] encode(Map<String, ?> dictionary) {
        return BENCODE.encode((Map<?, ?>) toLibrary(dictionary));
    }

    /** Encodes one value of any bencodable kind (a byte string for {@code byte[]}). */
    public static byte[] encodeValue(Object value) {
        Object v = toLibrary(value);
        if (v instanceof ByteBuffer b) {
            return BENCODE.encode(new String(bytesOf(b), StandardCharsets.ISO_8859_1));
        }
        if (v instanceof Number n) {
            return BENCODE.encode(n);
        }
        if (v instanceof List<?> l) {
            return BENCODE.encode(l);
        }
        if (v instanceof Map<?, ?> m) {
            return BENCODE.encode(m);
        }
        throw new IllegalArgumentException("not bencodable: " + (value == null ? "null" : value.getClass().getSimpleName()));
    }

    /**
     * Decodes a dictionary, the top level of every KRPC message.
     *
     * @throws KrpcFormatException when the bytes are not a bencoded dictionary
     */
    public static Map<String, Object> decode(byte[] data, int length) throws KrpcFormatException {
        if (length < 2 || data[0] != 'd') {
            throw new KrpcFormatException("not a bencoded dictionary");
        }
        byte[] bytes = length == data.length ? data : java.util.Arrays.copyOf(data, length);
        Map<String, Object> raw;
        try {
            raw = BENCODE.decode(bytes, Type.DICTIONARY);
        } catch (BencodeException | IllegalArgumentException | IllegalStateException | ClassCastException
                 | IndexOutOfBoundsException | NullPointerException e) {
            throw new KrpcFormatException("malformed bencode");
        } catch (StackOverflowError e) {
            throw new KrpcFormatException("bencode nested too deeply");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> converted = (Map<String, Object>) fromLibrary(raw);
        // The library reads leading zeros, "-0", duplicate keys and trailing bytes without complaint, and
        // wraps integers past 64 bits; each of these makes the canonical encoding a different length.
        if (encode(converted).length != length) {
            throw new KrpcFormatException("not canonical bencode (leading zeros, trailing bytes, duplicate keys "
                    + "or an integer out of range)");
        }
        return converted;
    }

    private static Object toLibrary(Object value) {
        if (value instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (value instanceof String s) {
            return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();   // bencode wants keys sorted as raw bytes
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), toLibrary(e.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(toLibrary(o));
            }
            return out;
        }
        if (value instanceof Integer i) {
            return i.longValue();
        }
        return value;
    }

    private static Object fromLibrary(Object value) {
        if (value instanceof ByteBuffer b) {
            return bytesOf(b);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), fromLibrary(e.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(fromLibrary(o));
            }
            return out;
        }
        return value;
    }

    private static byte[] bytesOf(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
