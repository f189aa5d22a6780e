package dev.dhtsignal.server;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MainlineStats;
import dev.dhtsignal.dht.mainline.Routers;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code dht-server --network mainline}: a full node of the BitTorrent Mainline DHT, joined through the
 * given addresses or the well-known routers. Same ready line, signals and statistics option as the
 * original network's server.
 */
final class MainlineServer {
    private static final Logger log = LoggerFactory.getLogger("dht-server");

    private MainlineServer() {
    }

    /** Runs until SIGINT/SIGTERM; returns the exit code. */
    /** @throws IllegalArgumentException for a bootstrap address that is not valid */
    static int run(MainlineConfig config, List<String> bootstrapGiven, Integer statsSeconds, PrintStream out)
            throws InterruptedException {
        InetSocketAddress bind = config.bind();
        List<InetSocketAddress> bootstrap = Routers.resolve(bootstrapGiven, w -> log.warn("{}", w));
        log.info("storage: at most {} items (one address {}, one network {}) and {} announced peers (one address {}, "
                        + "one network {})", config.items().maxEntries(), config.items().perAddress(),
                config.items().perPrefix(), config.peers().maxEntries(), config.peers().perAddress(),
                config.peers().perPrefix());
        MainlineNode node;
        try {
            node = MainlineNode.start(config);
        } catch (BindException e) {
            System.err.println("dht-server: " + e.getMessage() + " (is another dht-server running on this port?)");
            return 1;
        } catch (IOException e) {
            System.err.println("dht-server: cannot listen on " + Endpoints.format(bind) + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping");
            node.close();
            stopped.countDown();
        }, "mainline-shutdown"));
        if (!bootstrap.isEmpty()) {
            try {
                // Nodes named with --bootstrap are the operator's choice, admitted whatever their ids; the routers
                // are strangers.
                int reached = (bootstrapGiven.isEmpty() ? node.bootstrap(bootstrap) : node.bootstrapNamed(bootstrap))
                        .get(60, TimeUnit.SECONDS);
                if (reached == 0) {
                    log.warn("no answer from the bootstrap {}; running on, and trying again later",
                            bootstrap.size() == 1 ? "node" : "nodes");
                } else {
                    log.info("joined the Mainline DHT through {} of {} bootstrap {}; {} {}", reached, bootstrap.size(),
                            bootstrap.size() == 1 ? "node" : "nodes", node.contacts().size(),
                            node.contacts().size() == 1 ? "contact" : "contacts");
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.warn("joining the Mainline DHT failed ({}); running on", e.getMessage());
            }
        }
        log.info("Mainline node id {} listening on {}", node.id(), Endpoints.format(node.localAddress()));
        out.printf(DhtServerCommand.READY_LINE + "%n", node.localAddress().getPort());
        out.flush();
        ScheduledExecutorService periodic = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mainline-periodic");
            t.setDaemon(true);
            return t;
        });
        if (statsSeconds != null) {
            periodic.scheduleAtFixedRate(() -> System.err.println(statsLine(node.stats())), statsSeconds, statsSeconds,
                    TimeUnit.SECONDS);
        }
        stopped.await();
        periodic.shutdownNow();
        return 0;
    }

    static String statsLine(MainlineStats s) {
        return String.format(java.util.Locale.ROOT, "mainline: contacts=%d items=%d peers=%d received=%d served=%d "
                        + "malformed=%d rate-limited=%d over-quota=%d evicted=%d unverified-cut=%d unverified-dropped=%d "
                        + "unexpected=%d", s.contacts(), s.items(), s.peers(), s.received(), s.queriesServed(),
                s.malformed(), s.rateLimited(), s.overQuota(), s.evicted(), s.cutToBudget(), s.droppedForBudget(),
                s.unexpected()) + StatsLine.stun(s.stun());
    }
}
