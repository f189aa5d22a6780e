package dev.dhtsignal.dht;

/** A value over the node's size limit, refused before anything was sent. */
public final class ValueTooLargeException extends DhtException {
    public ValueTooLargeException(int size, int limit) {
        super("value is " + size + " bytes encoded; the DHT accepts at most " + limit);
    }
}
