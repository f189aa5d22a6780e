package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A BEP 44 mutable item: a value signed by an Ed25519 key, stored under SHA-1(public key + salt), replaced
 * only by a higher sequence number signed by the same key.
 *
 * <p>The signature covers the bencoded pairs {@code salt} (only when not empty), {@code seq} and {@code v}
 * of a dictionary, without the dictionary's own {@code d} and {@code e}; e.g. for salt "foobar", seq 1 and
 * the value "Hello World!": {@code 4:salt6:foobar3:seqi1e1:v12:Hello World!}. The bencode library writes
 * the dictionary; the two delimiters are then cut off.
 *
 * @param value the decoded {@code v}: a {@code byte[]}, a number, a list or a dictionary
 */
public record MutableItem(byte[] publicKey, byte[] salt, long seq, Object value, byte[] signature) {
    public static final int MAX_VALUE_BYTES = 1000;
    public static final int MAX_SALT_BYTES = 64;

    public MutableItem {
        publicKey = publicKey.clone();
        salt = salt.clone();
        signature = signature.clone();
    }

    public static MutableItem sign(Ed25519.SigningKey key, byte[] salt, long seq, Object value) {
        checkSizes(salt, value);
        byte[] sig = key.sign(signedBytes(salt, seq, value));
        return new MutableItem(key.publicKey(), salt, seq, value, sig);
    }

    /** @throws IllegalArgumentException when the value or the salt is over BEP 44's limit */
    static void checkSizes(byte[] salt, Object value) {
        int size = Bencoding.encodeValue(value).length;
        if (size > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("the value bencodes to " + size + " bytes; BEP 44 allows " + MAX_VALUE_BYTES);
        }
        if (salt.length > MAX_SALT_BYTES) {
            throw new IllegalArgumentException("the salt has " + salt.length + " bytes; BEP 44 allows " + MAX_SALT_BYTES);
        }
    }

    /** The bytes the signature covers (see the class comment). */
    public static byte[] signedBytes(byte[] salt, long seq, Object value) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (salt.length > 0) {
            fields.put("salt", salt);
        }
        fields.put("seq", seq);
        fields.put("v", value);
        byte[] dict = Bencoding.encode(fields);
        return Arrays.copyOfRange(dict, 1, dict.length - 1);
    }

    public boolean verify() {
        return Ed25519.verify(publicKey, signedBytes(salt, seq, value), signature);
    }

    public NodeId target() {
        return targetOf(publicKey, salt);
    }

    public static NodeId targetOf(byte[] publicKey, byte[] salt) {
        return NodeId.of(sha1(Bencoding.concat(publicKey, salt)));
    }

    public byte[] encodedValue() {
        return Bencoding.encodeValue(value);
    }

    /** The value when it is a byte string (what this project stores); empty otherwise. */
    public java.util.Optional<byte[]> valueBytes() {
        return value instanceof byte[] b ? java.util.Optional.of(b.clone()) : java.util.Optional.empty();
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-1", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MutableItem m && Arrays.equals(publicKey, m.publicKey) && Arrays.equals(salt, m.salt)
                && seq == m.seq && Arrays.equals(encodedValue(), m.encodedValue()) && Arrays.equals(signature, m.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "MutableItem[" + target().shortHex() + " seq " + seq + ", " + encodedValue().length + " bytes, key "
                + HexFormat.of().formatHex(publicKey).substring(0, 8) + "]";
    }
}
