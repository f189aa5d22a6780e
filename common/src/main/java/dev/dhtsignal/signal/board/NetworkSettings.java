package dev.dhtsignal.signal.board;

/** Which network a peer joins and how: what {@code --network}, {@code --dht} and {@code --bootstrap} say. */
public sealed interface NetworkSettings permits KademliaNetwork.Settings, MainlineNetwork.Settings {
    /**
     * Joins the network.
     *
     * @throws dev.dhtsignal.signal.SignalingException naming where, when it cannot be joined
     */
    Network join(String threadName);

    /** How waiting on this network paces itself; known before joining. */
    Network.Pace pace();
}
