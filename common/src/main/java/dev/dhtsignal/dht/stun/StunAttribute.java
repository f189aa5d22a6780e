package dev.dhtsignal.dht.stun;

import java.util.Objects;

/**
 * One attribute of a STUN message: its 16-bit type and its value without the padding. Types below 0x8000
 * are comprehension-required (RFC 8489 section 14): a receiver that does not know one must not act as if
 * it were absent.
 */
public record StunAttribute(int type, byte[] value) {
    public static final int MAPPED_ADDRESS = 0x0001;
    public static final int USERNAME = 0x0006;
    public static final int MESSAGE_INTEGRITY = 0x0008;
    public static final int ERROR_CODE = 0x0009;
    public static final int UNKNOWN_ATTRIBUTES = 0x000A;
    public static final int REALM = 0x0014;
    public static final int NONCE = 0x0015;
    public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
    public static final int PASSWORD_ALGORITHM = 0x001D;
    public static final int USERHASH = 0x001E;
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    /** ICE (RFC 8445): sent in connectivity checks; a STUN server has nothing to do with it. */
    public static final int PRIORITY = 0x0024;
    /** ICE (RFC 8445), as PRIORITY. */
    public static final int USE_CANDIDATE = 0x0025;
    public static final int SOFTWARE = 0x8022;
    public static final int FINGERPRINT = 0x8028;

    public StunAttribute {
        Objects.requireNonNull(value, "value");
        if (type < 0 || type > 0xFFFF || value.length > 0xFFFF) {
            throw new IllegalArgumentException("attribute type or length out of range");
        }
    }

    public boolean comprehensionRequired() {
        return type < 0x8000;
    }
}
