package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.mainline.BootstrapCache;
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
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The BitTorrent Mainline DHT, joined through bootstrap addresses as a read-only node (BEP 43): it looks
 * items up and stores them, and is never put in other nodes' routing tables. No server of ours is
 * needed: the session code is everything.
 */
public final class MainlineNetwork implements Network {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);
    /**
     * A look after the first is a get sent straight to 4 of the item's 8 nodes (one round trip), so the pauses
     * can be short: 100 ms at first, growing by half each time to half a second, and none at all when the
     * other side's connectivity checks arrive. The nodes asked rotate (the least asked first), so two names
     * watched at two looks a second cost a node in both neighbourhoods about 2 packets a second, 20 in 10 s,
     * against the 50 a node allows one sender (FloodLimit holds back what would pass it). Before, each look
     * was a traversal of its own, so looks were a second apart at the least.
     */
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(500);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(60);

    /** Cached nodes that must answer for a start to skip the routers: a few, so one lookup has somewhere to go. */
    static final int ENOUGH_CACHED = 3;
    /** How long the cached nodes are given before the routers are asked too. */
    private static final Duration CACHED_WAIT = Duration.ofSeconds(3);

    private final MainlineNode node;
    private final Clock clock;
    /** Where the nodes met are kept at the end, when the run joined without {@code --bootstrap}; else null. */
    private final BootstrapCache cache;

    /**
     * @param bootstrap the nodes to join through ({@code --bootstrap}); when empty, the nodes kept from the last
     *                  run ({@code cache}) and, if too few of them answer, the routers
     * @param routers   the BitTorrent routers, resolved only when they are needed
     * @param cache     the nodes kept between runs, or null for none
     * @param joinLimit how long joining may take in all
     */
    public record Settings(List<InetSocketAddress> bootstrap, Supplier<List<InetSocketAddress>> routers, BootstrapCache cache,
                           Duration joinLimit) implements NetworkSettings {
        public Settings {
            bootstrap = List.copyOf(bootstrap);
        }

        /** Joins through these nodes only. */
        public Settings(List<InetSocketAddress> bootstrap, Duration joinLimit) {
            this(bootstrap, List::of, null, joinLimit);
        }

        /**
         * Whether joining asks nodes for ICE servers: nodes the user named ({@code --bootstrap}) are asked beside
         * the join (one may be a dht-server of theirs with STUN and TURN); the BitTorrent routers and the nodes
         * kept from the last run are strangers, and are not.
         */
        public boolean askForIceServers() {
            return !bootstrap.isEmpty();
        }

        @Override
        public Network join(String threadName, NodeIceServers iceServers) {
            if (askForIceServers()) {
                return MainlineNetwork.join(bootstrap, joinLimit, threadName, iceServers, iceServers);
            }
            try {
                return MainlineNetwork.joinAnew(routers, cache, joinLimit, threadName);
            } finally {
                iceServers.joinEnded();
            }
        }

        @Override
        public Pace pace() {
            return new Pace(DEFAULT_TIMEOUT, FIRST_PAUSE, LONGEST_PAUSE, STEP_LIMIT);
        }
    }

    private MainlineNetwork(MainlineNode node, Clock clock, BootstrapCache cache) {
        this.node = node;
        this.clock = clock;
        this.cache = cache;
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
        MainlineNode node = startNode(bootstrap.get(0), threadName);
        try {
            if (asking != null) {
                asking.ask(bootstrap, node::iceServers);
            }
            int reached = Waits.await(node.bootstrapNamed(bootstrap), joinLimit, "joining the Mainline DHT");
            if (reached == 0) {
                throw noAnswer(bootstrap);
            }
            return new MainlineNetwork(node, Clock.systemUTC(), null);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /**
     * Joins without given addresses, as BitTorrent clients do: through the nodes kept from the last run first,
     * and only when fewer than {@link #ENOUGH_CACHED} of them answer within a few seconds, through the routers
     * too. The nodes met are kept again when the network is closed.
     *
     * @throws SignalingException when neither the cached nodes nor the routers answer
     */
    static MainlineNetwork joinAnew(Supplier<List<InetSocketAddress>> routers, BootstrapCache cache, Duration joinLimit,
                                    String threadName) {
        List<InetSocketAddress> cached = cache == null ? List.of() : cache.load();
        long deadline = System.nanoTime() + joinLimit.toNanos();
        MainlineNode node = null;
        try {
            int reached = 0;
            if (!cached.isEmpty()) {
                node = startNode(cached.get(0), threadName);
                Duration wait = CACHED_WAIT.compareTo(joinLimit) < 0 ? CACHED_WAIT : joinLimit;
                try {
                    reached = Waits.await(node.bootstrap(cached, ENOUGH_CACHED), wait, "joining the Mainline DHT through the nodes kept");
                } catch (SignalingException e) {
                    reached = 0;  // too slow: the routers are asked too
                }
            }
            List<InetSocketAddress> asked = cached;
            if (reached < Math.min(ENOUGH_CACHED, Math.max(1, cached.size()))) {
                List<InetSocketAddress> routerAddresses = routers.get();
                if (routerAddresses.isEmpty() && cached.isEmpty()) {
                    throw new SignalingException("no address to join the Mainline DHT through (give --bootstrap HOST:PORT)");
                }
                if (node == null) {
                    node = startNode(routerAddresses.get(0), threadName);
                }
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                reached += Waits.await(node.bootstrap(routerAddresses), left, "joining the Mainline DHT");
                asked = new java.util.ArrayList<>(cached);
                asked.addAll(routerAddresses);
            }
            if (reached == 0) {
                throw noAnswer(asked);
            }
            return new MainlineNetwork(node, Clock.systemUTC(), cache);
        } catch (RuntimeException e) {
            if (node != null) {
                node.close();
            }
            throw e;
        }
    }

    private static MainlineNode startNode(InetSocketAddress first, String threadName) {
        try {
            InetAddress any = InetAddress.getByName(first.getAddress() instanceof Inet6Address ? "::" : "0.0.0.0");
            return MainlineNode.start(MainlineConfig.client(new InetSocketAddress(any, 0)).withThreadName(threadName));
        } catch (IOException e) {
            throw new SignalingException("cannot open a UDP socket for the Mainline DHT: " + e.getMessage(), e);
        }
    }

    private static SignalingException noAnswer(List<InetSocketAddress> asked) {
        String where = asked.stream().map(Endpoints::format).collect(Collectors.joining(", "));
        return new SignalingException(asked.size() == 1
                ? "no answer from the bootstrap address " + where + " of the Mainline DHT"
                : "no answer from any of the " + asked.size() + " bootstrap addresses of the Mainline DHT (" + where + ")");
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

    /** Leaves the network; nodes met are kept for the next start when this run joined without --bootstrap. */
    @Override
    public void close() {
        if (cache != null) {
            cache.save(node.contacts().stream().map(dev.dhtsignal.dht.Contact::address).toList());
        }
        node.close();
    }
}
