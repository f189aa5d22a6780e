package dev.dhtsignal.pake;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the key exchange of a short code meets: two values per nameplate, the offerer's and the answerer's,
 * under DHT keys that are a public function of the nameplate alone (never of the words). Anyone can
 * write them; a write replaces what was there (last write wins).
 */
public interface NameplateBoard {
    /** Whose value. Each side writes only its own. */
    enum Side { OFFERER, ANSWERER }

    /**
     * Writes a value (an empty array clears the key). The future completes once the value is stored, and
     * fails with a {@link NameplateBusyException} saying why when it was not: refused, taken by no node, or
     * a key whose value can never be replaced. Either way the caller can tell "busy" from "written".
     */
    CompletableFuture<Void> put(int nameplate, Side side, byte[] value);

    /**
     * Every distinct value found under the key (on the original network, nodes may hold different ones;
     * on Mainline, the one with the highest sequence number), an empty list when there is none. An empty
     * array is a cleared key.
     */
    CompletableFuture<List<byte[]>> getAll(int nameplate, Side side);

    /** Starts finding where a key's value is kept, so that the first read or write of it is quick ({@link dev.dhtsignal.signal.board.SignalBoard#lookAhead}). */
    default void lookAhead(int nameplate, Side side) {
    }

    /** The key in words, for messages: "nameplate 7 (offerer key 1a2b3c4d) on the DHT at 127.0.0.1:8468". */
    String describe(int nameplate, Side side);
}
