package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The BitTorrent Mainline DHT, joined through bootstrap addresses as a read-only node (BEP 43): it looks
 * items up and stores them, and is never put in other nodes' routing tables. No server of ours is
 * needed: the session code is everything.
 */
public final class MainlineNetwork implements Network {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    /** A look is a lookup across the DHT; more than one a second would only load the nodes near the item. */
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(60);

    private final MainlineNode node;
    private final Clock clock;

    /**
     * @param bootstrap the nodes to join through ({@code --bootstrap}, or the BitTorrent routers)
     * @param joinLimit how long joining may take in all
     * @param askForIceServers whether to ask the bootstrap nodes for ICE servers: yes for nodes the user
     *                         named (one may be a dht-server of theirs with STUN and TURN), not for the
     *                         BitTorrent routers
     */
    public record Settings(List<InetSocketAddress> bootstrap, Duration joinLimit, boolean askForIceServers)
            implements NetworkSettings {
        public Settings {
            bootstrap = List.copyOf(bootstrap);
        }

        public Settings(List<InetSocketAddress> bootstrap, Duration joinLimit) {
            this(bootstrap, joinLimit, false);
        }

        @Override
        public Network join(String threadName, NodeIceServers iceServers) {
            return MainlineNetwork.join(bootstrap, joinLimit, threadName, askForIceServers ? iceServers : null,
                    iceServers);
        }

        @Override
        public Pace pace() {
            return new Pace(DEFAULT_TIMEOUT, FIRST_PAUSE, LONGEST_PAUSE, STEP_LIMIT);
        }
    }

    private MainlineNetwork(MainlineNode node, Clock clock) {
        this.node = node;
        this.clock = clock;
    }

    /**
     * Starts a read-only node and joins through {@code bootstrap}.
     *
     * @param joinLimit how long joining may take in all
     * @throws SignalingException when no bootstrap address answers
     */
    public static MainlineNetwork join(List<InetSocketAddress> bootstrap, Duration joinLimit, String threadName) {
        return join(bootstrap, joinLimit, threadName, null, new NodeIceServers());
    }

    /**
     * @param asking where to put the bootstrap nodes' ICE servers, asked beside the join; null: ask none
     * @param joining ended when the join ends
     */
    private static MainlineNetwork join(List<InetSocketAddress> bootstrap, Duration joinLimit, String threadName,
                                        NodeIceServers asking, NodeIceServers joining) {
        try {
            return joinAsking(bootstrap, joinLimit, threadName, asking);
        } finally {
            joining.joinEnded();
        }
    }

    private static MainlineNetwork joinAsking(List<InetSocketAddress> bootstrap, Duration joinLimit, String threadName,
                                              NodeIceServers asking) {
        if (bootstrap.isEmpty()) {
            throw new SignalingException("no address to join the Mainline DHT through (give --bootstrap HOST:PORT)");
        }
        MainlineNode node;
        try {
            InetAddress any = InetAddress.getByName(bootstrap.get(0).getAddress() instanceof Inet6Address ? "::" : "0.0.0.0");
            node = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(any, 0)).withThreadName(threadName));
        } catch (IOException e) {
            throw new SignalingException("cannot open a UDP socket for the Mainline DHT: " + e.getMessage(), e);
        }
        try {
            if (asking != null) {
                asking.ask(bootstrap, node::iceServers);
            }
            int reached = Waits.await(node.bootstrap(bootstrap), joinLimit, "joining the Mainline DHT");
            if (reached == 0) {
                String where = bootstrap.stream().map(Endpoints::format).collect(Collectors.joining(", "));
                throw new SignalingException(bootstrap.size() == 1
                        ? "no answer from the bootstrap address " + where + " of the Mainline DHT"
                        : "no answer from any of the " + bootstrap.size() + " bootstrap addresses of the Mainline DHT ("
                        + where + ")");
            }
            return new MainlineNetwork(node, Clock.systemUTC());
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    public MainlineNode node() {
        return node;
    }

    @Override
    public SignalBoard board(SharedSecret secret) {
        return new MainlineBoard(node, secret, clock);
    }

    @Override
    public Pace pace() {
        return new Settings(List.of(), STEP_LIMIT).pace();
    }

    @Override
    public String where() {
        return "the Mainline DHT";
    }

    @Override
    public void close() {
        node.close();
    }
}
