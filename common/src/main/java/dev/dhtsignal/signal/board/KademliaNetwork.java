package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.BootstrapResult;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * The original network, joined as a client through one node ({@code --dht}): a node that looks values up
 * and stores them but serves no one, so it never becomes a routing contact that others would wait on
 * after this program exits.
 */
public final class KademliaNetwork implements Network {
    private static final int JOIN_ATTEMPTS = 2;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(25);

    private final KademliaNode node;
    private final Settings settings;
    private NodeWatch watch;

    /**
     * @param dht the node to join through
     * @param dhtTimeout the longest wait for one DHT reply; measured round trips shorten it
     * @param longestPause the longest pause between two looks at the board ({@code --poll-interval})
     * @param offerName the offer key's name ({@code --offer-key}): plain slots and nameplates are named after it
     * @param answerName the answer key's name
     */
    public record Settings(InetSocketAddress dht, Duration dhtTimeout, Duration longestPause, String offerName,
                           String answerName) implements NetworkSettings {
        @Override
        public Network join(String threadName, NodeIceServers iceServers) {
            return KademliaNetwork.join(this, threadName, iceServers);
        }

        @Override
        public Pace pace() {
            return new Pace(DEFAULT_TIMEOUT, FIRST_PAUSE, longestPause, dhtTimeout.multipliedBy(5));
        }
    }

    private KademliaNetwork(KademliaNode node, Settings settings) {
        this.node = node;
        this.settings = settings;
    }

    /**
     * Starts a client node and joins through {@code settings.dht()}.
     *
     * @throws SignalingException naming the address when the DHT node does not answer
     */
    public static KademliaNetwork join(Settings settings, String threadName) {
        return join(settings, threadName, new NodeIceServers());
    }

    /**
     * As {@link #join(Settings, String)}, asking the node for ICE servers beside the join: the request goes
     * out just before the join's ping, and again when the node answers a ping of ours without having
     * replied to it ({@link NodeIceServers}).
     */
    public static KademliaNetwork join(Settings settings, String threadName, NodeIceServers iceServers) {
        InetAddress any = anyAddress(settings.dht().getAddress() instanceof Inet6Address ? "::" : "0.0.0.0");
        KademliaConfig config = KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(any, 0))
                .clientOnly(true)
                .rpcTimeout(settings.dhtTimeout())
                .rpcTimeoutFloor(min(settings.dhtTimeout(), Duration.ofMillis(250)))
                .threadName(threadName)
                .build();
        KademliaNode node;
        try {
            node = KademliaNode.start(config);
        } catch (IOException e) {
            throw new SignalingException("cannot open a UDP socket to reach the DHT: " + e.getMessage(), e);
        }
        long started = System.nanoTime();
        try {
            InetSocketAddress dht = settings.dht();
            iceServers.ask(List.of(dht), node::iceServers);
            node.ping(dht).thenRun(() -> iceServers.alive(dht, Duration.ofNanos(System.nanoTime() - started)));
            for (int attempt = 1; attempt <= JOIN_ATTEMPTS; attempt++) {
                BootstrapResult r = Waits.await(node.bootstrap(List.of(settings.dht())),
                        settings.dhtTimeout().multipliedBy(3), "joining the DHT at " + Endpoints.format(settings.dht()));
                if (!r.reached().isEmpty()) {
                    // In case the ping above was lost: the node answered the join (ping and lookup, two round trips).
                    iceServers.alive(dht, Duration.ofNanos(System.nanoTime() - started).dividedBy(2));
                    return new KademliaNetwork(node, settings);
                }
            }
            throw new SignalingException("no answer from the DHT node at " + Endpoints.format(settings.dht())
                    // the time it really took: each attempt's pings are retried within it
                    + " within " + Waits.seconds(Duration.ofNanos(System.nanoTime() - started))
                    + " (is dht-server running there? set --dht or DHT_SERVER_HOST/DHT_SERVER_PORT)");
        } catch (RuntimeException e) {
            node.close();
            throw e;
        } finally {
            iceServers.joinEnded();
        }
    }

    /** The client node, for what only the original network has (pinging a node, the {@code stun} RPC). */
    public KademliaNode node() {
        return node;
    }

    /** The node joined through. */
    public InetSocketAddress joinedThrough() {
        return settings.dht();
    }

    @Override
    public SignalBoard board(SharedSecret secret) {
        return secret == null ? KademliaBoard.plain(node, settings.offerName(), settings.answerName(), where())
                : KademliaBoard.sealed(node, secret, settings.offerName(), settings.answerName(), where());
    }

    @Override
    public Pace pace() {
        return settings.pace();
    }

    @Override
    public String where() {
        return "the DHT at " + Endpoints.format(settings.dht());
    }

    @Override
    public synchronized java.util.concurrent.CompletableFuture<String> lost() {
        if (watch == null) {
            watch = new NodeWatch(node, settings.dht(), node.config().threadName());
        }
        return watch.lost();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (watch != null) {
                watch.close();
            }
        }
        node.close();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static InetAddress anyAddress(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a literal address always parses", e);
        }
    }
}
