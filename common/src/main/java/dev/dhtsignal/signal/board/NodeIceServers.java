package dev.dhtsignal.signal.board;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.ice.IceServerOffer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the nodes a peer joined through offer for crossing NATs (their {@code ice_servers} replies: whether
 * they answer STUN, TURN servers with fresh credentials), asked beside the join.
 *
 * <p>Only our nodes answer; the original's Python nodes ignore the request. So nothing waits on a reply
 * alone: the replies are {@link #settled()} once every node asked has answered, or once the join is over,
 * whichever comes first. A request lost on the way would leave a peer without the node's STUN server for
 * its whole run (and behind two NATs without a path), so a node that has shown it is alive (it answered
 * a ping of ours) and has not replied a round trip later is asked again ({@link #alive}), and that second
 * reply is awaited for two of its round trips even if the join ends first. A node that never replies (a
 * Python node) thus costs at most two round trips (10 ms at least) beyond a join (ping and lookup) that does
 * not need them.
 *
 * <p>Thread-safe; the network fills it in while joining ({@link #ask}, {@link #alive}, {@link #joinEnded}).
 */
public final class NodeIceServers {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NodeIceServers.class);
    /** One node's reply. */
    public record Reply(InetSocketAddress node, IceServerOffer offer) {
    }

    private final Map<InetSocketAddress, IceServerOffer> replies = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, Boolean> asked = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private volatile Function<InetSocketAddress, CompletableFuture<IceServerOffer>> asker;
    /** Until when ({@link System#nanoTime()}) a second request's reply is awaited past the join; 0: none. */
    private volatile long secondReplyDueNanos;
    /** Requests sent again so far; at most {@link #RESENDS}. */
    private int resends;
    /** Nodes known to answer (see {@link #alive}). */
    private final java.util.Set<InetSocketAddress> aliveSeen = new java.util.HashSet<>();
    private static final int RESENDS = 2;
    private static final Duration RTT_FLOOR = Duration.ofMillis(10);

    /** No node asked: settled at once, with nothing. */
    public static NodeIceServers none() {
        NodeIceServers none = new NodeIceServers();
        none.joinEnded();
        return none;
    }

    /** Asks {@code nodes} now, through {@code asker} (the joining node's ice_servers call). */
    public void ask(List<InetSocketAddress> nodes, Function<InetSocketAddress, CompletableFuture<IceServerOffer>> asker) {
        this.asker = asker;
        nodes.forEach(n -> asked.put(n, Boolean.TRUE));
        nodes.forEach(this::send);
        if (nodes.isEmpty()) {
            settleIfDone();
        }
    }

    /**
     * {@code node} answered a ping of ours (or the join) and took {@code roundTrip} to do it: if its
     * ice_servers reply has not come a round trip later, the request (or its reply) was probably lost, so it
     * is asked again, and once more two round trips after that if still nothing came ({@value #RESENDS} in
     * all). The first connection waits for the first of these ({@link #joinEnded}); a later reply still
     * serves the connections made after it, and an offerer makes its offer anew if one came before the
     * offer went out.
     */
    public void alive(InetSocketAddress node, Duration roundTrip) {
        // At least RTT_FLOOR: on a LAN the round trip is below a millisecond, but a loaded machine's threads
        // and timers are not that quick to see a reply.
        long rtt = Math.max(roundTrip.toNanos(), RTT_FLOOR.toNanos());
        synchronized (this) {
            if (!aliveSeen.add(node)) {
                return;  // told already (by the ping, then by the join)
            }
            // The reply may be on its way yet: the node can answer the ping before the larger request, and our
            // threads may see the two replies in either order. Asking again at once would be asking twice, and
            // a node lets one address ask only a few times a minute (a household, an office behind one NAT).
            secondReplyDueNanos = System.nanoTime() + 3 * rtt;
        }
        CompletableFuture.delayedExecutor(rtt, TimeUnit.NANOSECONDS).execute(() -> askAgain(node, 2 * rtt));
    }

    private void askAgain(InetSocketAddress node, long wait) {
        synchronized (this) {
            if (!asked.containsKey(node) || replies.containsKey(node) || asker == null || resends >= RESENDS) {
                return;
            }
            resends++;
        }
        send(node);
        CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> askAgain(node, wait));
    }

    /** The join is over (joined or not): what has come is what the first connection uses. */
    public void joinEnded() {
        long wait = secondReplyDueNanos - System.nanoTime();
        if (secondReplyDueNanos != 0 && wait > 0) {
            CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> settled.complete(null));
        } else {
            settled.complete(null);
        }
    }

    /** Completes (never fails) when the replies to use for the first connection are in, by the rules above. */
    public CompletableFuture<Void> settled() {
        return settled;
    }

    /** The replies so far, one per node (the newest), in no particular order. */
    public List<Reply> replies() {
        List<Reply> all = new ArrayList<>();
        replies.forEach((node, offer) -> all.add(new Reply(node, offer)));
        return all;
    }

    /**
     * Asks every node again (TURN credentials expire: a peer that serves for hours needs new ones); completes
     * when all have answered or {@code limit} has passed, with the replies then known.
     */
    public CompletableFuture<List<Reply>> askAgain(Duration limit) {
        Function<InetSocketAddress, CompletableFuture<IceServerOffer>> ask = asker;
        if (ask == null || asked.isEmpty()) {
            return CompletableFuture.completedFuture(replies());
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (InetSocketAddress node : asked.keySet()) {
            all.add(ask.apply(node).thenAccept(offer -> replies.put(node, offer)).exceptionally(failure -> null));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, limit.toNanos(), TimeUnit.NANOSECONDS)
                .thenApply(ignored -> replies());
    }

    private void send(InetSocketAddress node) {
        log.debug("asking {} for ICE servers", Endpoints.format(node));
        asker.apply(node).whenComplete((offer, failure) -> {
            if (offer != null) {
                log.debug("{} offers {}", Endpoints.format(node), offer);
                replies.put(node, offer);
                settleIfDone();
            } else {
                log.debug("no ICE servers from {}: {}", Endpoints.format(node), failure.getMessage());
            }
        });
    }

    private void settleIfDone() {
        if (replies.keySet().containsAll(asked.keySet())) {
            settled.complete(null);
        }
    }
}
