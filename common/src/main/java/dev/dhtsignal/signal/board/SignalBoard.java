package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.signal.SignalFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A place to put and get small values by name: all the signaling exchange and the short codes' key
 * exchange need of a DHT, whichever network it is ({@link KademliaBoard}, {@link MainlineBoard}).
 *
 * <p>Anyone who can reach the network can write under a public name, and a write replaces what was there
 * (last write wins); readers tell the genuine value by reading every value found. Values are text or
 * bytes ({@link DhtValue.Kind#TEXT}, {@link DhtValue.Kind#BYTES}); the empty string or empty bytes
 * mean "nothing there" to every reader ({@link SignalFormat#isCleared}).
 */
public interface SignalBoard {
    /** Stores the value under the name on the nodes responsible for it, replacing what was there. */
    CompletableFuture<Void> put(BoardName name, DhtValue value);

    /**
     * Every distinct value found under the name, most common first: nodes may hold different ones (replicas
     * that lag, or liars), and a reader that can tell the genuine one tries each. An empty list when there
     * is none; on a network that keeps one value per name (Mainline), at most one.
     */
    CompletableFuture<List<DhtValue>> getAll(BoardName name);

    /**
     * Starts finding where the name's value is kept, without waiting, so that the first read or write of it
     * that follows is quick: on the Mainline DHT a first lookup is a traversal of several round trips, and
     * the nodes it finds are asked directly afterwards. Nothing is read as a value. Boards whose lookups are
     * cheap do nothing.
     */
    default void lookAhead(BoardName name) {
    }

    /** Replaces the value under the name with the empty value every reader takes as none. */
    CompletableFuture<Void> clear(BoardName name);

    /** The DHT key the name's value is stored under: sealed values are bound to it. */
    NodeId keyOf(BoardName name);

    /** The name in words, for messages: "key 'webrtc-offer#1'", "sealed offer slot 2 (key 1a2b3c4d)". */
    String describe(BoardName name);

    /** The network in words, for messages: "the DHT at 127.0.0.1:8468", "the Mainline DHT". */
    String where();

    /** The largest value a put accepts. */
    int maxValueBytes();

    /** Whether the session's values are sealed (a secret keys the slots); plain boards are readable by all. */
    boolean sealed();

    /** How offers and answers are written on this board. */
    SignalFormat format();


    /** Every offer slot of the session in words: "keys 'webrtc-offer' .. 'webrtc-offer#3'". */
    String describeOffers(int slots);
}
