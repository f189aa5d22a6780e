package dev.dhtsignal.signal.board;

import dev.dhtsignal.signal.SharedSecret;
import java.time.Duration;

/**
 * A DHT joined for one run of a peer program, and the boards signaling uses on it: the original network
 * through a node given by {@code --dht} ({@link KademliaNetwork}), or the BitTorrent Mainline DHT
 * ({@link MainlineNetwork}). Closing it leaves the network.
 */
public interface Network extends AutoCloseable {
    /**
     * The board of a session: its offer and answer slots keyed (and sealed) by {@code secret}, or, with
     * none, plain under the configured names (original network) or nameplates only (Mainline, where
     * every session is sealed). Nameplates are the same on every board of a network.
     */
    SignalBoard board(SharedSecret secret);

    /** How waiting on this network paces itself. */
    Pace pace();

    /** The network in words: "the DHT at 127.0.0.1:8468", "the Mainline DHT". */
    String where();

    /**
     * Completes, with what to tell the person, once this network has stopped answering (the node joined
     * through is gone, and no other answers); watching starts with the first call. Never completes on a
     * network that has no single node to lose (Mainline).
     */
    default java.util.concurrent.CompletableFuture<String> lost() {
        return new java.util.concurrent.CompletableFuture<>();
    }


    @Override
    void close();

    /**
     * How long things take on a network, so that waits suit it: a lookup on a LAN node answers in a
     * millisecond, one across the Mainline DHT in seconds.
     *
     * @param defaultTimeout how long a peer waits for the other by default
     * @param firstPause the first pause between two looks at the board; later ones grow
     * @param longestPause the longest pause between two looks
     * @param stepLimit the limit of one put or get
     */
    record Pace(Duration defaultTimeout, Duration firstPause, Duration longestPause, Duration stepLimit) {
    }
}
