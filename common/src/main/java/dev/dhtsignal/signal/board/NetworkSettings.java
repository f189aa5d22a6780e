package dev.dhtsignal.signal.board;

/** Which network a peer joins and how: what {@code --network}, {@code --dht} and {@code --bootstrap} say. */
public sealed interface NetworkSettings permits KademliaNetwork.Settings, MainlineNetwork.Settings {
    /**
     * Joins the network.
     *
     * @throws dev.dhtsignal.signal.SignalingException naming where, when it cannot be joined
     */
    default Network join(String threadName) {
        return join(threadName, new NodeIceServers());
    }

    /**
     * Joins the network and, beside the join, asks the node(s) joined through for ICE servers
     * ({@link NodeIceServers}): the node given by {@code --dht}, or the {@code --bootstrap} nodes given on
     * the Mainline DHT (not the BitTorrent routers, which are no nodes of ours).
     *
     * @param iceServers filled in as the replies come; its join is ended when this returns or throws
     * @throws dev.dhtsignal.signal.SignalingException naming where, when it cannot be joined
     */
    Network join(String threadName, NodeIceServers iceServers);

    /** How waiting on this network paces itself; known before joining. */
    Network.Pace pace();
}
