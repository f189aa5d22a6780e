package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices that the original network has stopped answering while a peer waits on it: the node joined through
 * ({@code --dht}) no longer replies to pings, and neither does any other node this client knows. Lookups
 * that fail are read as "nothing there yet", so without this a peer whose DHT node died would wait out its
 * whole {@code --timeout} and then say that no offer appeared.
 *
 * <p>A ping every half second; after {@value #MISSES} missed in a row (each sent twice, each time waiting
 * the adaptive RPC timeout, which grows after a miss, to two seconds at most), the other known nodes are
 * pinged too, and if none replies the network is lost: {@link #lost()} completes with the message for the
 * person. Two pings lost twice over is not a slow node, and a slow reply still counts as one.
 */
final class NodeWatch implements AutoCloseable {
    static final int MISSES = 2;
    private static final Duration EVERY = Duration.ofMillis(500);

    private final KademliaNode node;
    private final InetSocketAddress joined;
    private final CompletableFuture<String> lost = new CompletableFuture<>();
    private final ScheduledExecutorService timer;
    private int missed;
    private long firstMiss;

    NodeWatch(KademliaNode node, InetSocketAddress joined, String threadName) {
        this.node = node;
        this.joined = joined;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName + "-node-watch");
            t.setDaemon(true);
            return t;
        });
        timer.schedule(this::look, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes, with what to tell the person, once the network no longer answers. */
    CompletableFuture<String> lost() {
        return lost;
    }

    private void look() {
        if (node.isClosed() || lost.isDone()) {
            return;
        }
        node.ping(joined).whenComplete((id, failure) -> {
            if (failure == null) {
                missed = 0;
                next();
            } else if (++missed == 1) {
                firstMiss = System.nanoTime();
                next();
            } else if (missed < MISSES) {
                next();
            } else {
                askTheOthers();
            }
        });
    }

    /** The joined node is silent: is any other node of the network still there? */
    private void askTheOthers() {
        List<CompletableFuture<?>> pings = new ArrayList<>();
        for (Contact c : node.contacts()) {
            if (!c.address().equals(joined)) {
                pings.add(node.ping(c.address()));
            }
        }
        if (pings.isEmpty()) {
            declareLost();
            return;
        }
        CompletableFuture<Object> anyReply = new CompletableFuture<>();
        CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> anyReply.complete(null));
        pings.forEach(p -> p.thenAccept(anyReply::complete));
        anyReply.thenAccept(reply -> {
            boolean someoneAnswered = pings.stream().anyMatch(p -> p.isDone() && !p.isCompletedExceptionally());
            if (someoneAnswered) {
                missed = 0;  // the network goes on without the node we joined through
                next();
            } else {
                declareLost();
            }
        });
    }

    private void declareLost() {
        long silent = Duration.ofNanos(System.nanoTime() - firstMiss).toSeconds();
        lost.complete("the DHT node at " + Endpoints.format(joined) + " stopped answering (no reply to " + MISSES
                + " pings in " + Math.max(1, silent) + " s" + (node.contacts().size() > 1 ? ", nor did the other nodes known" : "")
                + "): is dht-server still running there? Start it again, or give another with --dht");
    }

    private void next() {
        if (!timer.isShutdown()) {
            timer.schedule(this::look, EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
