package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.NetworkSettings;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The command an offerer prints for the answering side: the same code, the secret named (never shown)
 * when there is one, and how to reach the same network from another machine (a DHT node's address that
 * machine can reach, or the Mainline DHT and its bootstrap addresses).
 */
public final class JoinCommand {
    private final PeerOptions peer;
    private final NetworkSettings network;

    public JoinCommand(PeerOptions peer, NetworkSettings network) {
        this.peer = peer;
        this.network = network;
    }

    /** "On the answering side run: java -jar answerer.jar --session CODE --dht 192.0.2.2:8468". */
    public String forCode(String code) {
        String secret = peer.hasSecret() ? " (with the same secret in the environment variable DHT_SECRET)" : "";
        String command = "On the answering side run" + secret + ": java -jar answerer.jar --session " + code;
        if (!(network instanceof KademliaNetwork.Settings kademlia)) {
            return command + peer.networkArguments();
        }
        InetSocketAddress dht = kademlia.dht();
        var reachable = ReachableAddress.of(dht);
        command += " --dht " + reachable.orElse(Endpoints.format(dht));
        if (reachable.isEmpty()) {
            command += "   (" + Endpoints.format(dht) + " is this machine; this machine has no address "
                    + "known to reach it from another, so use one that machine can reach)";
        }
        return command;
    }

    /**
     * The printed command gives the other machine this machine's address when our DHT node is reached
     * here on loopback. A node listening on loopback only (dht-server --bind 127.0.0.1) cannot be reached
     * there: ask it at that address, in the background, and say so when it does not answer.
     */
    public void checkReachable(Network joined, Consumer<String> note) {
        if (!(joined instanceof KademliaNetwork k)) {
            return;
        }
        InetSocketAddress local = k.joinedThrough();
        KademliaNode dht = k.node();
        ReachableAddress.instead(local).ifPresent(there -> dht.ping(there).whenComplete((id, failure) -> {
            if (failure != null && !dht.isClosed()) {
                note.accept("offerer: the DHT node at " + Endpoints.format(local) + " does not answer at "
                        + Endpoints.format(there) + ", the address in the command above: it listens on this machine "
                        + "only (started with --bind 127.0.0.1?). Give the answering side a DHT node it can reach.");
            }
        }));
    }
}
