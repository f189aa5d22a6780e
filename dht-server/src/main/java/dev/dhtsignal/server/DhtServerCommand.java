package dev.dhtsignal.server;

import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Durations;
import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.dht.kademlia.BootstrapResult;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.storage.StorageLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dht-server}: a long-lived DHT node, compatible with the original Python network. */
@Command(name = "dht-server", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Runs a Kademlia DHT node that peers use to swap WebRTC offers and answers.",
                "Prints 'DHT Server running on port N' on standard output once it listens; logs go to standard error."})
public final class DhtServerCommand implements java.util.concurrent.Callable<Integer> {
    /** The line scripts wait for, exactly as the original prints it. */
    static final String READY_LINE = "DHT Server running on port %d";

    @Parameters(paramLabel = "HOST:PORT", arity = "0..*",
            description = "Existing nodes to join. A first node needs none.")
    List<String> bootstrapAddresses = new ArrayList<>();

    @Option(names = "--network", paramLabel = "NAME", defaultValue = "kademlia",
            description = "kademlia: the original's network; mainline: a node of the BitTorrent DHT, joining through "
                    + "the HOST:PORT arguments or else the BitTorrent routers (default: ${DEFAULT-VALUE}). Mainline "
                    + "uses --port, --bind, --rpc-timeout, --rate-*, --verify-pings, --unverified-*, --max-items, "
                    + "--max-peers, --strict-node-ids, --stats, --no-stun, --turn-*; k is 8 there.")
    String network;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "UDP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = KademliaConfig.DEFAULT_PORT;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind = "0.0.0.0";

    @Option(names = "--ksize", paramLabel = "K", description = "Bucket size and replication factor (default: ${DEFAULT-VALUE}).")
    int ksize = 20;

    @Option(names = "--alpha", paramLabel = "N", description = "Lookup requests in flight at once (default: ${DEFAULT-VALUE}).")
    int alpha = 3;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a stored value lives from the first time this node stored it, e.g. 7d, 12h "
                    + "(default: 7d). Empty values (a cleared key) live 10 minutes at most.")
    Duration ttl = StorageLimits.DEFAULT_TTL;

    @Option(names = "--rpc-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Longest wait for a reply; measured round trips shorten it (default: 2s).")
    Duration rpcTimeout = Duration.ofSeconds(2);

    @Option(names = "--max-value-bytes", paramLabel = "BYTES",
            description = "Largest value accepted (default: ${DEFAULT-VALUE}).")
    int maxValueBytes = StorageLimits.DEFAULT_MAX_VALUE_BYTES;

    @Option(names = "--max-entries", paramLabel = "N",
            description = "Most values held (default: derived from the heap, see --max-bytes; "
                    + "one source network may hold an eighth).")
    Integer maxEntries;

    @Option(names = "--max-bytes", paramLabel = "BYTES",
            description = "Most heap the stored values take, counting " + StorageLimits.ENTRY_OVERHEAD_BYTES
                    + " bytes per entry beside key and value (default: 40%% of the maximum heap, -Xmx; "
                    + "one source network may hold an eighth).")
    Long maxBytes;

    @Option(names = "--rate-per-source", paramLabel = "N",
            description = "Requests per second served to one IP address; a new address may send a quarter of "
                    + "that at once; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int ratePerSource = RateLimits.DEFAULT_PER_SOURCE;

    @Option(names = "--rate-per-prefix", paramLabel = "N",
            description = "Requests per second served to one IPv4 /24 or IPv6 /64; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int ratePerPrefix = RateLimits.DEFAULT_PER_PREFIX;

    @Option(names = "--rate-total", paramLabel = "N",
            description = "Requests per second served in total, kept below what the node can answer; 0 = no limit "
                    + "(default: ${DEFAULT-VALUE}).")
    int rateTotal = RateLimits.DEFAULT_TOTAL;

    @Option(names = "--verify-pings", paramLabel = "N",
            description = "Pings per second, at most, to verify unknown senders; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int verifyPings = RateLimits.defaults().verifyPingsPerSecond();

    @Option(names = "--unverified-allowance", paramLabel = "BYTES",
            description = "Bytes per second the node may send to senders it has not verified beyond what they "
                    + "sent it (default: ${DEFAULT-VALUE}).")
    int unverifiedAllowance = RateLimits.defaults().unverifiedBytesPerSecond();

    @Option(names = "--unverified-reserve", paramLabel = "BYTES",
            description = "Most such bytes held in reserve; 0 = replies to unverified senders are not limited "
                    + "(default: ${DEFAULT-VALUE}).")
    int unverifiedReserve = RateLimits.defaults().unverifiedReserveBytes();

    @Option(names = "--one-contact-per-ip",
            description = "Keep one contact per IP address on loopback and private addresses too (on public ones "
                    + "it always holds): one host of the LAN, or this host, cannot then take a key's neighbourhood; "
                    + "several nodes on one such address are then not all used.")
    boolean oneContactPerIp;

    @picocli.CommandLine.Mixin
    MainlineOptions mainline = new MainlineOptions();

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep stored values, the node id and known contacts in DIR across restarts (crash-safe).")
    java.nio.file.Path dataDir;

    @Option(names = "--receiver-threads", paramLabel = "N", hidden = true, description = "Socket reader threads.")
    int receiverThreads = 1;

    @Option(names = "--stats", paramLabel = "SECONDS",
            description = "Print a line of statistics to standard error every SECONDS seconds.")
    Integer statsSeconds;

    @Mixin
    IceServerOptions ice = new IceServerOptions();

    @Option(names = "--http", paramLabel = "PORT",
            description = "Also serve the web page and the HTTP gateway to the DHT on this TCP port (0 = any free port; off by default).")
    Integer httpPort;

    @Option(names = "--http-bind", paramLabel = "ADDRESS",
            description = "Address the HTTP gateway listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 for other machines and phones).")
    String httpBind = "127.0.0.1";

    @Option(names = "--http-allow-origin", paramLabel = "ORIGIN",
            description = "A web origin (https://example.org, or *) whose pages may also use the gateway; repeatable. Default: only the page it serves.")
    List<String> httpAllowedOrigins = new ArrayList<>();

    @Option(names = "--http-host", paramLabel = "NAME",
            description = "A host name the gateway is reached by (its DNS name, behind a reverse proxy); repeatable. IP "
                    + "addresses and localhost are always served; requests naming another host get 421.")
    List<String> httpHosts = new ArrayList<>();

    @Option(names = "--http-trust-proxy", paramLabel = "ADDRESS",
            description = "The IP address of a reverse proxy in front of the gateway, whose X-Forwarded-For then names "
                    + "the client for the limits; repeatable. Never trusted by default.")
    List<String> httpTrustedProxies = new ArrayList<>();

    @Option(names = "--http-rate", paramLabel = "N",
            description = "HTTP requests per second from one client address; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int httpRate = 20;

    @Option(names = "--http-max-waits", paramLabel = "N",
            description = "Long-polls held open at once, from all clients together; one address may hold an eighth "
                    + "(at most 32), one network a quarter (default: ${DEFAULT-VALUE}).")
    int httpMaxWaits = 1024;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail to standard error.")
    boolean verbose;

    private final PrintStream out;

    DhtServerCommand(PrintStream out) {
        this.out = out;
    }

    /**
     * The likely reason the address could not be bound: an address the machine lacks fails in the same
     * way as a port that is taken, and the two need different fixes.
     */
    private String whyNotBound() {
        try {
            InetAddress address = InetAddress.getByName(bind);
            if (!address.isAnyLocalAddress() && java.net.NetworkInterface.getByInetAddress(address) == null) {
                return bind + " is not an address of this machine; --bind takes one of its own addresses, or 0.0.0.0";
            }
        } catch (IOException e) {
            // Fall through to the other explanation.
        }
        return "is another dht-server running on port " + port + "?";
    }

    public static void main(String[] args) {
        Logging.configureForPeople("dht-server", Logging.verboseRequested(args));
        System.exit(Cli.execute(new DhtServerCommand(System.out), args));
    }

    @Override
    public Integer call() throws Exception {
        Logger log = LoggerFactory.getLogger("dht-server");
        if (port < 0 || port > 65535) {
            throw Cli.usage(this, "--port must be in 0..65535, got " + port);
        }
        if (statsSeconds != null && statsSeconds < 1) {
            throw Cli.usage(this, "--stats must be at least 1 second");
        }
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            throw Cli.usage(this, "--http must be in 0..65535, got " + httpPort);
        }
        if (httpRate < 0 || httpMaxWaits < 1) {
            throw Cli.usage(this, "--http-rate must not be negative and --http-max-waits must be at least 1");
        }
        TurnRestCredentials turn = ice.credentials(this, Clock.systemUTC());
        if (network.equals("mainline")) {
            InetSocketAddress bindAddress;
            try {
                bindAddress = new InetSocketAddress(InetAddress.getByName(bind), port);
                return MainlineServer.run(mainline.applyTo(MainlineConfig.server(bindAddress).withRpcTimeout(rpcTimeout)
                        .withRateLimits(RateLimits.perSecond(ratePerSource, ratePerPrefix, rateTotal)
                                .withVerifyPingsPerSecond(verifyPings)
                                .withUnverifiedBudget(unverifiedAllowance, unverifiedReserve))
                        .withStun(ice.answerStun()).withTurn(turn).withThreadName("mainline")),
                        bootstrapAddresses, statsSeconds, out);
            } catch (IllegalArgumentException | java.net.UnknownHostException e) {
                throw Cli.usage(this, e.getMessage());
            }
        } else if (!network.equals("kademlia")) {
            throw Cli.usage(this, "--network: '" + network + "' is neither kademlia nor mainline");
        }
        List<InetSocketAddress> bootstrap = new ArrayList<>();
        for (String address : bootstrapAddresses) {
            try {
                bootstrap.add(Endpoints.parseAndResolve(address));
            } catch (IllegalArgumentException e) {
                throw Cli.usage(this, "bootstrap address: " + e.getMessage());
            }
        }
        List<InetSocketAddress> givenAddresses = List.copyOf(bootstrap);
        KademliaConfig config;
        try {
            config = KademliaConfig.builder()
                    .bindAddress(new InetSocketAddress(InetAddress.getByName(bind), port))
                    .k(ksize)
                    .alpha(alpha)
                    .rpcTimeout(rpcTimeout)
                    .rpcTimeoutFloor(rpcTimeout.compareTo(Duration.ofMillis(250)) < 0 ? rpcTimeout : Duration.ofMillis(250))
                    .storage(storageLimits(log))
                    .limits(RateLimits.perSecond(ratePerSource, ratePerPrefix, rateTotal)
                            .withVerifyPingsPerSecond(verifyPings)
                            .withUnverifiedBudget(unverifiedAllowance, unverifiedReserve))
                    .oneContactPerIpEverywhere(oneContactPerIp)
                    .answerStun(ice.answerStun())
                    .turnCredentials(turn)
                    .receiverThreads(receiverThreads)
                    .threadName("dht")
                    .build();
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            throw Cli.usage(this, e.getMessage());
        }

        DataDirectory data = null;
        if (dataDir != null) {
            try {
                data = DataDirectory.open(dataDir, config.storage(), config.clock());
            } catch (IOException e) {
                System.err.println("dht-server: cannot use data dir " + dataDir + ": " + e.getMessage());
                return 1;
            }
            config = config.toBuilder().nodeId(data.nodeId()).build();
            for (InetSocketAddress known : data.knownAddresses()) {
                if (!bootstrap.contains(known)) {
                    bootstrap.add(known);
                }
            }
        }
        KademliaNode node;
        try {
            node = data == null ? KademliaNode.start(config) : KademliaNode.start(config, data.store());
        } catch (BindException e) {
            if (data != null) {
                data.store().close();
            }
            System.err.println("dht-server: " + e.getMessage() + " (" + whyNotBound() + ")");
            return 1;
        } catch (IOException e) {
            if (data != null) {
                data.store().close();
            }
            System.err.println("dht-server: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 1;
        }
        DataDirectory persisted = data;
        // Only touched when --http is given, so a plain DHT node never loads the HTTP classes.
        AutoCloseable gateway = null;
        if (httpPort != null) {
            try {
                gateway = GatewayLauncher.start(node, httpBind, httpPort, httpAllowedOrigins, httpHosts, httpTrustedProxies,
                        httpRate, httpMaxWaits, config.storage().maxValueBytes(), rpcTimeout);
            } catch (IllegalArgumentException | IOException e) {
                node.close();
                if (data != null) {
                    data.store().close();
                }
                System.err.println("dht-server: cannot serve HTTP on " + httpBind + ":" + httpPort + ": " + e.getMessage());
                return 1;
            }
        }
        AutoCloseable httpGateway = gateway;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            log.info("stopping");
            if (httpGateway != null) {
                try {
                    httpGateway.close();
                } catch (Exception e) {
                    log.debug("closing the HTTP gateway: {}", e.toString());
                }
            }
            if (persisted != null) {
                persisted.saveContactsOf(node);
            }
            node.close();
            stopped.countDown();
        }, "dht-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        if (!bootstrap.isEmpty()) {
            BootstrapResult joined = node.bootstrap(bootstrap).get();
            List<InetSocketAddress> silentGiven = joined.unanswered().stream().filter(givenAddresses::contains).toList();
            if (!silentGiven.isEmpty()) {
                log.warn("no answer from bootstrap {} {}; running on without {}", silentGiven.size() == 1 ? "node" : "nodes",
                        silentGiven.stream().map(Endpoints::format).collect(Collectors.joining(", ")),
                        silentGiven.size() == 1 ? "it" : "them");
            }
            if (joined.unanswered().size() > silentGiven.size()) {
                int silent = joined.unanswered().size() - silentGiven.size();
                log.info("{} {} known before the restart did not answer", silent, silent == 1 ? "contact" : "contacts");
            }
            log.info("joined through {} of {} bootstrap {}; {} {}", joined.reached().size(), bootstrap.size(),
                    bootstrap.size() == 1 ? "node" : "nodes", joined.contacts(), joined.contacts() == 1 ? "contact" : "contacts");
        }
        log.info("node id {} listening on {}", node.id(), Endpoints.format(node.localAddress()));
        out.printf(READY_LINE + "%n", node.localAddress().getPort());
        if (httpGateway != null) {
            out.println(GatewayLauncher.readyLine(httpGateway));
        }
        out.flush();

        ScheduledExecutorService periodic = FatalErrors.scheduledExecutor("dht-server-periodic");
        if (statsSeconds != null) {
            StatsLine stats = new StatsLine(node::stats);
            periodic.scheduleAtFixedRate(() -> System.err.println(stats.next()), statsSeconds, statsSeconds, TimeUnit.SECONDS);
        }
        if (persisted != null) {
            periodic.scheduleWithFixedDelay(() -> persisted.saveContactsOf(node), 5, 5, TimeUnit.SECONDS);
        }
        stopped.await();
        periodic.shutdownNow();
        return 0;
    }

    /**
     * The limits from the options, the amounts derived from the heap this JVM may grow to where not given;
     * a warning when given ones could take more heap than the node can spare.
     */
    private StorageLimits storageLimits(Logger log) {
        long heap = Runtime.getRuntime().maxMemory();
        StorageLimits derived = StorageLimits.forHeap(heap);
        StorageLimits limits = new StorageLimits(ttl, maxValueBytes,
                maxEntries != null ? maxEntries : derived.maxEntries(),
                maxBytes != null ? maxBytes : derived.maxBytes());
        if (maxEntries != null || maxBytes != null) {
            limits.overcommitWarning(heap).ifPresent(log::warn);
        }
        log.info("storage: at most {} values and {} MiB of heap (maximum heap {} MiB); one source network at most "
                        + "{} values and {} MiB; values live {}", limits.maxEntries(), limits.maxBytes() >> 20, heap >> 20,
                limits.prefixMaxEntries(), limits.prefixMaxBytes() >> 20, Durations.format(ttl));
        return limits;
    }
}
