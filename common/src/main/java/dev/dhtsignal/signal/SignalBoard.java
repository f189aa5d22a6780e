package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A place to put and get small values by name: what signaling needs from a DHT, whichever network it is.
 * Each name ("offer", "answer") holds one value at a time; a put replaces it.
 */
public interface SignalBoard {
    /** The largest value a put accepts. */
    int maxValueBytes();

    CompletableFuture<Void> put(String name, byte[] value);

    /** The value under {@code name}, or empty when there is none (yet). */
    CompletableFuture<Optional<byte[]>> get(String name);

    /** The DHT key a name's value is stored under: sealed values are bound to it. */
    NodeId keyOf(String name);

    /** "the Mainline DHT (key 1a2b3c4d)", for messages. */
    String describe(String name);
}
