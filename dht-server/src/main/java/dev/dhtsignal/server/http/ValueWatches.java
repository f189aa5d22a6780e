package dev.dhtsignal.server.http;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Long-polls: clients waiting for the value under a key to change. All waits on one key share one
 * poller, which reads the key through the node (its own copy, or a lookup) at most every
 * {@link #LONGEST_PAUSE}, so a hundred pages watching one key cost the DHT what one does.
 */
final class ValueWatches {
    static final Duration FIRST_PAUSE = Duration.ofMillis(50);
    static final Duration LONGEST_PAUSE = Duration.ofMillis(250);

    /** One waiting client: done when {@code settled} holds for the value read, or at its deadline. */
    private record Waiter(Predicate<Optional<DhtValue>> settled, long deadlineNanos,
                          CompletableFuture<Optional<DhtValue>> result) {
    }

    private final KademliaNode node;
    private final ScheduledExecutorService timer;
    private final Duration dhtTimeout;
    private final Map<NodeId, List<Waiter>> waiting = new HashMap<>();

    ValueWatches(KademliaNode node, ScheduledExecutorService timer, Duration dhtTimeout) {
        this.node = node;
        this.timer = timer;
        this.dhtTimeout = dhtTimeout;
    }

    /**
     * Completes with the value under {@code key} (empty when there is none) as soon as {@code settled}
     * holds for it, or with the last value read once {@code limit} has passed. Fails only when no read of
     * the key succeeded by then (the DHT did not answer).
     */
    CompletableFuture<Optional<DhtValue>> await(NodeId key, Predicate<Optional<DhtValue>> settled, Duration limit) {
        Waiter w = new Waiter(settled, System.nanoTime() + limit.toNanos(), new CompletableFuture<>());
        boolean startPoller;
        synchronized (waiting) {
            List<Waiter> list = waiting.computeIfAbsent(key, k -> new ArrayList<>());
            startPoller = list.isEmpty();
            list.add(w);
        }
        if (startPoller) {
            poll(key, FIRST_PAUSE);
        }
        return w.result();
    }

    /** Keys with a poller running; for tests and statistics. */
    int keysWatched() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private void poll(NodeId key, Duration nextPause) {
        node.getDigest(key).orTimeout(dhtTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((value, error) -> settle(key, value, error, nextPause));
    }

    private void settle(NodeId key, Optional<DhtValue> value, Throwable error, Duration pause) {
        long now = System.nanoTime();
        List<Runnable> completions = new ArrayList<>();
        boolean more;
        synchronized (waiting) {
            List<Waiter> list = waiting.get(key);
            if (list == null) {
                return;
            }
            list.removeIf(w -> {
                if (w.result().isDone()) {
                    return true;  // the client went away or the gateway is closing
                }
                if (error == null && w.settled().test(value)) {
                    completions.add(() -> w.result().complete(value));
                    return true;
                }
                if (now - w.deadlineNanos() >= 0) {
                    completions.add(error == null ? () -> w.result().complete(value)
                            : () -> w.result().completeExceptionally(error));
                    return true;
                }
                return false;
            });
            more = !list.isEmpty();
            if (!more) {
                waiting.remove(key);
            }
        }
        completions.forEach(Runnable::run);
        if (more) {
            Duration next = Duration.ofNanos(Math.min(LONGEST_PAUSE.toNanos(), pause.toNanos() * 3 / 2));
            try {
                timer.schedule(() -> poll(key, next), pause.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                failAll(key, new IllegalStateException("the gateway is stopping"));
            }
        }
    }

    private void failAll(NodeId key, Throwable why) {
        List<Waiter> list;
        synchronized (waiting) {
            list = waiting.remove(key);
        }
        if (list != null) {
            list.forEach(w -> w.result().completeExceptionally(why));
        }
    }

    /** Ends every wait (the gateway is stopping). */
    void closeAll() {
        List<NodeId> keys;
        synchronized (waiting) {
            keys = new ArrayList<>(waiting.keySet());
        }
        keys.forEach(k -> failAll(k, new IllegalStateException("the gateway is stopping")));
    }
}
