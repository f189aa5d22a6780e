package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.signal.board.NodeIceServers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The STUN and TURN servers a peer uses for each connection it makes: those given ({@code --ice-server},
 * {@code ICE_SERVERS}), the node's own STUN server when the node says it answers STUN, the TURN servers
 * the node handed out with credentials, and the defaults when neither a node offers STUN nor servers were
 * given (public STUN servers on the Mainline DHT). TURN credentials expire (10 minutes by default): a peer
 * that makes connections for longer ({@code answerer --serve}) asks the node again before they do. Thread-safe.
 */
public final class PeerIceServers implements IceServerSource {
    private static final Logger log = LoggerFactory.getLogger(PeerIceServers.class);
    /** Credentials this close to expiry are renewed first: a relay allocated with them must last the connection's start. */
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(1);
    /** How long a connection waits for renewed credentials before going on without them. */
    private static final Duration RENEW_LIMIT = Duration.ofSeconds(2);

    private final List<IceServer> given;
    private final IceDefaults defaults;
    private final NodeIceServers nodes;
    private final Clock clock;

    public PeerIceServers(List<IceServer> given, IceDefaults defaults, NodeIceServers nodes, Clock clock) {
        this.given = List.copyOf(given);
        this.defaults = defaults;
        this.nodes = nodes;
        this.clock = clock;
    }

    /** The servers for a connection made now. */
    @Override
    public List<IceServer> current() {
        List<NodeIceServers.Reply> replies = nodes.replies();
        Instant soon = clock.instant().plus(RENEW_BEFORE);
        boolean expiring = replies.stream().flatMap(r -> r.offer().turn().stream()).anyMatch(t -> t.expires().isBefore(soon));
        if (expiring) {
            replies = nodes.askAgain(RENEW_LIMIT).join();
        }
        List<IceServer> servers = combine(replies);
        log.debug("ICE servers: {}", servers);
        return servers;
    }

    /**
     * Advice for when no path works and no relay was there, naming the node when it offers no TURN server;
     * null when no node was asked or one offered TURN (then the failure says what the relay did).
     */
    @Override
    public String withoutRelayAdvice() {
        List<NodeIceServers.Reply> replies = nodes.replies();
        if (replies.isEmpty() || replies.stream().anyMatch(r -> !r.offer().turn().isEmpty())) {
            return null;
        }
        String which = replies.stream().map(r -> Endpoints.format(r.node())).collect(Collectors.joining(", "));
        return "add a TURN server: the DHT node" + (replies.size() == 1 ? " " : "s ") + which + " offer"
                + (replies.size() == 1 ? "s" : "") + " none (its operator can add one: dht-server --turn-url URL "
                + "--turn-secret-file FILE, with coturn), or give one with --ice-server turn:HOST:PORT,username=U,credential=P";
    }

    List<IceServer> combine(List<NodeIceServers.Reply> replies) {
        // By URL set, so a server given and also offered by the node is used once.
        Map<List<String>, IceServer> servers = new LinkedHashMap<>();
        given.forEach(s -> servers.putIfAbsent(s.urls(), s));
        boolean nodeStun = false;
        Instant now = clock.instant();
        for (NodeIceServers.Reply reply : replies) {
            IceServerOffer offer = reply.offer();
            if (offer.stun() && defaults.nodeStun()) {
                // A node on this machine counts as ours (no public STUN server is asked), but is not asked:
                // nothing lies between a host and itself, so it could only tell a host address, and a node
                // bound to the wildcard address answers from the interface's address, not the loopback one
                // asked, which WebRTC drops; every round would wait 1 s and warn that it did not answer.
                if (!reply.node().getAddress().isLoopbackAddress()) {
                    IceServer stun = IceServer.parse(IceServerOffer.stunUrl(reply.node()));
                    servers.putIfAbsent(stun.urls(), stun);
                }
                nodeStun = true;
            }
            for (TurnServer turn : offer.turn()) {
                if (!turn.expires().isAfter(now)) {
                    continue;  // the node's clock or ours is off; the TURN server would refuse them
                }
                List<String> urls = turn.urls().stream().filter(PeerIceServers::isTurnUrl).toList();
                try {
                    IceServer server = new IceServer(urls, turn.username(), turn.credential());
                    servers.putIfAbsent(server.urls(), server);
                } catch (IllegalArgumentException e) {
                    // A node may hand out anything; what WebRTC could not use is left out, and said.
                    log.warn("a TURN server from the DHT node at {} is unusable and left out: {}",
                            Endpoints.format(reply.node()), e.getMessage());
                }
            }
        }
        if (!nodeStun && given.isEmpty()) {
            // Servers of one's own (--ice-server, ICE_SERVERS) replace the public ones: a TURN server also
            // tells a peer its public address, and the user chose whom to ask.
            defaults.fallback().forEach(s -> servers.putIfAbsent(s.urls(), s));
        }
        return new ArrayList<>(servers.values());
    }

    private static boolean isTurnUrl(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        return (u.startsWith("turn:") || u.startsWith("turns:")) && url.length() <= 200 && url.chars().noneMatch(c -> c <= ' ' || c == ',');
    }
}
