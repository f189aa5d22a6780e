package dev.dhtsignal.dht;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * How a node hands futures to its callers: completed on threads of their own rather than the node's socket
 * or timer threads (a caller's slow continuation must not stall the node), and failed when the node closes
 * first, so no caller waits on a node that is gone. Not the common pool: on a 2-core machine
 * CompletableFuture would start a new thread for every completion.
 */
public final class CallerFutures {
    private final ExecutorService callbacks;
    private final Set<CompletableFuture<?>> outstanding = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** @param threadName the name of the threads continuations run on */
    public CallerFutures(String threadName) {
        this.callbacks = Executors.newCachedThreadPool(FatalErrors.threads(threadName));
    }

    /** The caller's view of {@code inner}: see the class comment. */
    public <T> CompletableFuture<T> publish(CompletableFuture<T> inner) {
        CompletableFuture<T> outer = new CompletableFuture<>();
        if (closed) {
            outer.completeExceptionally(new DhtException("node is closed"));
            return outer;
        }
        outstanding.add(outer);
        outer.whenComplete((r, e) -> outstanding.remove(outer));
        inner.whenCompleteAsync((r, e) -> {
            if (e != null) {
                outer.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            } else {
                outer.complete(r);
            }
        }, callbacks);
        return outer;
    }

    /** Fails everything still pending with {@code gone} and stops taking new futures. */
    public void close(DhtException gone) {
        closed = true;
        for (CompletableFuture<?> f : outstanding) {
            f.completeExceptionally(gone);
        }
        callbacks.shutdown();
    }
}
