package dev.dhtsignal.dht;

/** A DHT operation that could not be done; the message says what and why. */
public class DhtException extends RuntimeException {
    public DhtException(String message) {
        super(message);
    }

    public DhtException(String message, Throwable cause) {
        super(message, cause);
    }
}
