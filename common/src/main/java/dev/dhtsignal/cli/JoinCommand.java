package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.NetworkSettings;
import dev.dhtsignal.signal.exchange.SignalingOptions;
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
    private final PageLink page;

    /** @param page the DHT node's web page ({@code --page}), or null */
    public JoinCommand(PeerOptions peer, NetworkSettings network, PageLink page) {
        this.peer = peer;
        this.network = network;
        this.page = page;
    }

    /**
     * Prints how the other side joins: the command, and with a page on the original network (whose gateway
     * only reaches that network) the link that opens it ready to join, with its QR code when a person reads
     * standard output on a terminal (phones join by scanning it).
     */
    public void print(String code, dev.dhtsignal.signal.Transcript out) {
        out.line(forCode(code));
        if (page == null || !(network instanceof KademliaNetwork.Settings)) {
            return;
        }
        String link = page.forCode(code);
        out.line("Or open on the other device: " + link);
        if (Terminal.stdout()) {
            QrCode.lines(link).forEach(out::line);
        }
    }

    /**
     * "On the answering side run: answerer --session CODE --dht 192.0.2.2:8468 ...": the program as this one
     * was run ({@link ProgramInvocation}), and every option the other side needs to meet us that it would not
     * have by default: the network (a DHT node it can reach, or the Mainline DHT and its bootstrap), key
     * names and slots that are not the defaults, and the ICE servers we use (from --ice-server or
     * ICE_SERVERS: the other machine may not have the variable). The secret is named, never shown.
     */
    public String forCode(String code) {
        String secret = peer.hasSecret() ? " (with the same secret in the environment variable DHT_SECRET)" : "";
        StringBuilder command = new StringBuilder("On the answering side run" + secret + ": "
                + ProgramInvocation.of("answerer", "offerer") + " --session " + Shell.quote(code));
        String note = "";
        if (network instanceof KademliaNetwork.Settings kademlia) {
            InetSocketAddress dht = kademlia.dht();
            var reachable = ReachableAddress.of(dht);
            command.append(" --dht ").append(reachable.orElse(Endpoints.format(dht)));
            if (reachable.isEmpty()) {
                note = "   (" + Endpoints.format(dht) + " is this machine; this machine has no address "
                        + "known to reach it from another, so use one that machine can reach)";
            }
        } else {
            command.append(peer.networkArguments());
        }
        if (!PeerOptions.DEFAULT_OFFER_KEY.equals(peer.offerKey)) {
            command.append(" --offer-key ").append(Shell.quote(peer.offerKey));
        }
        if (!PeerOptions.DEFAULT_ANSWER_KEY.equals(peer.answerKey)) {
            command.append(" --answer-key ").append(Shell.quote(peer.answerKey));
        }
        if (!PeerOptions.isShortCode(code) && peer.slots != SignalingOptions.DEFAULT_SLOTS) {
            command.append(" --slots ").append(peer.slots);  // a short code's session has one slot whatever the option
        }
        for (String ice : PeerOptions.iceServerSpecs(peer.iceServers, System.getenv("ICE_SERVERS"))) {
            command.append(" --ice-server ").append(Shell.quote(ice));
        }
        return command + note;
    }

    /**
     * The link names this machine's address for a page given as 127.0.0.1; the gateway listens on loopback
     * unless started with --http-bind 0.0.0.0. Connect to it there, in the background, and say so when
     * nothing listens: the link would not open on the other device.
     */
    private void checkPage(InetSocketAddress there, Consumer<String> note) {
        Thread check = new Thread(() -> {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(there, PAGE_CHECK_MILLIS);
            } catch (java.io.IOException e) {
                note.accept("offerer: the page " + page + " does not answer at " + Endpoints.format(there)
                        + ", the address in the link above: it listens on this machine only (dht-server --http-bind "
                        + "127.0.0.1, the default?). Start it with --http-bind 0.0.0.0 for other devices.");
            }
        }, "offerer-page-check");
        check.setDaemon(true);
        check.start();
    }

    private static final int PAGE_CHECK_MILLIS = 2_000;

    /**
     * The printed command gives the other machine this machine's address when our DHT node is reached
     * here on loopback. A node listening on loopback only (dht-server --bind 127.0.0.1) cannot be reached
     * there: ask it at that address, in the background, and say so when it does not answer.
     */
    public void checkReachable(Network joined, Consumer<String> note) {
        if (!(joined instanceof KademliaNetwork k)) {
            return;
        }
        if (page != null) {
            page.instead().ifPresent(there -> checkPage(there, note));
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
