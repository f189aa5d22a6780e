package dev.dhtsignal.dht;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Random;

/**
 * A 160-bit Kademlia identifier. Node ids and key digests share this one space: a key is stored on the
 * nodes whose ids are closest to the SHA-1 digest of its name, closeness being the XOR of the two ids read
 * as an unsigned big-endian integer.
 *
 * <p>Ids are {@link Comparable} (as unsigned numbers) although Kademlia never orders them that way: keys
 * of stores come from strangers, who can choose many with the same {@code hashCode}, and a HashMap keeps
 * colliding keys in a balanced tree only when they are comparable; otherwise every lookup in storage
 * would scan them one by one.
 */
public final class NodeId implements Comparable<NodeId> {
    public static final int LENGTH = 20;
    public static final int BITS = LENGTH * 8;

    private final byte[] bytes;
    private final int hash;

    private NodeId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Wraps a copy of exactly 20 bytes. */
    public static NodeId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an id is " + LENGTH + " bytes, got " + bytes.length);
        }
        return new NodeId(bytes.clone());
    }

    public static NodeId fromHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    /** The digest the original network stores a key under: SHA-1 of the key's UTF-8 bytes. */
    public static NodeId digestOf(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return new NodeId(sha1.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-1", e);
        }
    }

    public static NodeId random(Random random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new NodeId(b);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** The XOR distance as a number; for logs and tests. Hot paths compare with {@link #closerTo}. */
    public BigInteger distanceTo(NodeId other) {
        byte[] d = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            d[i] = (byte) (bytes[i] ^ other.bytes[i]);
        }
        return new BigInteger(1, d);
    }

    /**
     * Compares the distances of {@code a} and {@code b} to this id without allocating: negative when
     * {@code a} is closer, zero when they are the same id.
     */
    public int compareDistances(NodeId a, NodeId b) {
        for (int i = 0; i < LENGTH; i++) {
            int da = (a.bytes[i] ^ bytes[i]) & 0xff;
            int db = (b.bytes[i] ^ bytes[i]) & 0xff;
            if (da != db) {
                return Integer.compare(da, db);
            }
        }
        return 0;
    }

    /** True when {@code a} is strictly closer to this id than {@code b}. */
    public boolean closerTo(NodeId a, NodeId b) {
        return compareDistances(a, b) < 0;
    }

    public Comparator<NodeId> byDistance() {
        return this::compareDistances;
    }

    /** Number of leading bits this id shares with {@code other}: 160 for itself, 0 when the first bit differs. */
    public int sharedPrefixBits(NodeId other) {
        for (int i = 0; i < LENGTH; i++) {
            int x = (bytes[i] ^ other.bytes[i]) & 0xff;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return BITS;
    }

    /** Whether this id and {@code other} differ in bit {@code index}, counted from the most significant (0). */
    public boolean differsAt(NodeId other, int index) {
        int shift = 7 - (index & 7);
        return (((bytes[index >>> 3] ^ other.bytes[index >>> 3]) >>> shift) & 1) != 0;
    }

    /** An id that shares exactly {@code prefixBits} leading bits with this one, the rest random. */
    public NodeId randomWithSharedPrefix(int prefixBits, Random random) {
        if (prefixBits < 0 || prefixBits >= BITS) {
            throw new IllegalArgumentException("prefix must be in [0, " + BITS + "), got " + prefixBits);
        }
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        int fullBytes = prefixBits / 8;
        System.arraycopy(bytes, 0, b, 0, fullBytes);
        int bit = prefixBits % 8;
        int keepMask = (0xff << (8 - bit)) & 0xff;   // the prefix bits of this byte
        int flip = 0x80 >>> bit;                       // the first bit that must differ
        int own = bytes[fullBytes] & 0xff;
        int mixed = (own & keepMask) | (b[fullBytes] & ~keepMask & 0xff);
        mixed = (mixed & ~flip) | (~own & flip);
        b[fullBytes] = (byte) mixed;
        return new NodeId(b);
    }

    @Override
    public int compareTo(NodeId other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return toHex();
    }

    /** A short form for logs. */
    public String shortHex() {
        return toHex().substring(0, 8);
    }
}
