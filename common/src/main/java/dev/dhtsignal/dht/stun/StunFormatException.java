package dev.dhtsignal.dht.stun;

/** A datagram that is not a well-formed STUN message (RFC 8489), with what is wrong in words. */
public final class StunFormatException extends Exception {
    public StunFormatException(String message) {
        super(message);
    }
}
