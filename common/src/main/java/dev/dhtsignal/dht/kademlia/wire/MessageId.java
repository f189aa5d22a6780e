package dev.dhtsignal.dht.kademlia.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/** The 20 random bytes that pair a response with its request. */
public final class MessageId {
    public static final int LENGTH = 20;

    private final byte[] bytes;
    private final int hash;

    private MessageId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static MessageId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a message id is " + LENGTH + " bytes, got " + bytes.length);
        }
        return new MessageId(bytes.clone());
    }

    static MessageId wrap(byte[] bytes) {
        return new MessageId(bytes);
    }

    /** A fresh id. Callers pass a SecureRandom so that off-path peers cannot guess ids and forge replies. */
    public static MessageId random(Random random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new MessageId(b);
    }

    public static MessageId fromHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    byte[] bytesView() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
