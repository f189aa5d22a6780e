package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A value of the key exchange, as stored under a nameplate's keys. Plain bytes: nothing in it is secret
 * (SPAKE2 messages and MACs reveal nothing about the code), and nothing in it is trusted before the MACs
 * check out, so anyone may write such values; what they can do with them is the subject of
 * docs/security.md.
 *
 * <pre>
 *  offset  size  field
 *  0       4     magic "WDP1" (webrtc-dht-signaling PAKE, version 1)
 *  4       1     kind: 'C' claim (the offerer's SPAKE2 message), 'R' reply (the answerer's SPAKE2 message and
 *                its confirmation), 'K' key confirmed (the offerer's confirmation), 'X' abandoned
 *  5       16    exchange id: random, chosen by the offerer; a reply, confirmation or abandonment repeats it
 *  21      8     expires: Unix milliseconds, big-endian; nobody acts on the value after that, nor
 *                on one whose expiry is further ahead than LONGEST_AHEAD
 *  29      ...   C: pA (65 bytes, an uncompressed P-256 point)
 *                R: pB (65 bytes), then cB (32 bytes)
 *                K: cA (32 bytes)
 *                X: nothing
 * </pre>
 */
public record PakeMessage(Kind kind, byte[] exchangeId, Instant expires, byte[] point, byte[] mac) {
    static final byte[] MAGIC = "WDP1".getBytes(StandardCharsets.US_ASCII);
    public static final int ID_LENGTH = 16;
    static final int HEADER_LENGTH = MAGIC.length + 1 + ID_LENGTH + 8;
    static final int POINT_LENGTH = 65;
    static final int MAC_LENGTH = 32;
    /** The furthest ahead an expiry is believed: the longest wait a peer may have, and the clock allowance. */
    public static final Duration LONGEST_AHEAD = SignalMessage.LONGEST_LIFETIME;

    /** What a value is. */
    public enum Kind {
        CLAIM('C'), REPLY('R'), CONFIRMED('K'), ABANDONED('X');

        final byte code;

        Kind(char code) {
            this.code = (byte) code;
        }

        int bodyLength() {
            return switch (this) {
                case CLAIM -> POINT_LENGTH;
                case REPLY -> POINT_LENGTH + MAC_LENGTH;
                case CONFIRMED -> MAC_LENGTH;
                case ABANDONED -> 0;
            };
        }
    }

    public PakeMessage {
        exchangeId = exchangeId.clone();
        if (exchangeId.length != ID_LENGTH) {
            throw new IllegalArgumentException("an exchange id has " + ID_LENGTH + " bytes");
        }
        point = point == null ? null : point.clone();
        mac = mac == null ? null : mac.clone();
    }

    public static PakeMessage claim(byte[] id, Instant expires, byte[] pA) {
        return new PakeMessage(Kind.CLAIM, id, expires, pA, null);
    }

    public static PakeMessage reply(byte[] id, Instant expires, byte[] pB, byte[] cB) {
        return new PakeMessage(Kind.REPLY, id, expires, pB, cB);
    }

    public static PakeMessage confirmed(byte[] id, Instant expires, byte[] cA) {
        return new PakeMessage(Kind.CONFIRMED, id, expires, null, cA);
    }

    public static PakeMessage abandoned(byte[] id, Instant expires) {
        return new PakeMessage(Kind.ABANDONED, id, expires, null, null);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + kind.bodyLength());
        b.put(MAGIC).put(kind.code).put(exchangeId).putLong(expires.toEpochMilli());
        if (point != null) {
            b.put(point);
        }
        if (mac != null) {
            b.put(mac);
        }
        return b.array();
    }

    /**
     * Reads a value.
     *
     * @throws IllegalArgumentException when it is not a value of this format (junk, cleared, truncated, too long)
     */
    public static PakeMessage decode(byte[] value) {
        if (value.length < HEADER_LENGTH || !Arrays.equals(value, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not a key exchange value");
        }
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.code == value[MAGIC.length]) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("unknown kind of key exchange value");
        }
        if (value.length != HEADER_LENGTH + kind.bodyLength()) {
            throw new IllegalArgumentException("a " + kind + " of " + value.length + " bytes, not " + (HEADER_LENGTH + kind.bodyLength()));
        }
        ByteBuffer b = ByteBuffer.wrap(value, MAGIC.length + 1, value.length - MAGIC.length - 1);
        byte[] id = new byte[ID_LENGTH];
        b.get(id);
        Instant expires = Instant.ofEpochMilli(b.getLong());
        byte[] point = null;
        byte[] mac = null;
        if (kind == Kind.CLAIM || kind == Kind.REPLY) {
            point = new byte[POINT_LENGTH];
            b.get(point);
        }
        if (kind != Kind.CLAIM && kind != Kind.ABANDONED) {
            mac = new byte[MAC_LENGTH];
            b.get(mac);
        }
        return new PakeMessage(kind, id, expires, point, mac);
    }

    /**
     * Whether it still counts at {@code now}: it has not expired, and its expiry is not further ahead than
     * any exchange lives ({@link #LONGEST_AHEAD}). Peers of ours write expiries at most their wait ahead; a
     * value that says it lives until the year 3000 was written to hold the nameplate (a value stays on the
     * original network's nodes for a week), so it is read as junk, not as a nameplate in use.
     */
    public boolean isLive(Instant now) {
        return now.isBefore(expires) && !expires.isAfter(now.plus(LONGEST_AHEAD));
    }

    public boolean isFor(byte[] id) {
        return Arrays.equals(exchangeId, id);
    }

    public String idHex() {
        return HexFormat.of().formatHex(exchangeId, 0, 4);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PakeMessage m && kind == m.kind && Arrays.equals(exchangeId, m.exchangeId)
                && expires.equals(m.expires) && Arrays.equals(point, m.point) && Arrays.equals(mac, m.mac);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(exchangeId) * 31 + kind.hashCode();
    }

    @Override
    public String toString() {
        return kind + " " + idHex();
    }
}
