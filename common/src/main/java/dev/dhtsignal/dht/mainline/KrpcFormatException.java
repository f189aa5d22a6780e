package dev.dhtsignal.dht.mainline;

/** A KRPC datagram that cannot be read: bad bencode, a missing field, a field of the wrong type or size. */
public final class KrpcFormatException extends Exception {
    public KrpcFormatException(String message) {
        super(message, null, false, false);
    }
}
