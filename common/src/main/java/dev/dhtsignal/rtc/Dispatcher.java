package dev.dhtsignal.rtc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java threads of one {@link RtcFactory}: where work leaves the native callback thread.
 *
 * <p>webrtc-java calls every observer on its native signaling thread. Blocking that thread, or
 * calling back into WebRTC from it while another thread waits for it, can stall or deadlock the
 * whole stack. So native callbacks only record what happened and hand the rest to this
 * dispatcher. Futures are completed right away wherever an event is seen (so the first event
 * decides the outcome), but everything that depends on them, ours or the user's, is attached
 * through {@link #async} and so runs on a worker thread. Ordered work such as message delivery
 * goes through a {@link SerialExecutor} on top of the workers.
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);

    private final String name;
    private final ExecutorService workers;
    private final ScheduledThreadPoolExecutor timer;
    /** Marks this dispatcher's own threads, so shutdown() does not wait for the thread calling it. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    Dispatcher(String name) {
        this.name = name;
        // A cached pool grows when user continuations block, instead of starving other peers.
        this.workers = Executors.newCachedThreadPool(daemonThreads(name + "-worker-"));
        this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-timer-"));
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Runs {@code task} on a worker thread; throws RejectedExecutionException after shutdown. */
    void execute(Runnable task) {
        workers.execute(task);
    }

    /** A new executor that runs its tasks one at a time, in submission order, on the workers. */
    SerialExecutor serial(String purpose) {
        return new SerialExecutor(workers, purpose);
    }

    /**
     * A new future with the outcome of {@code source}, completed on a worker thread, so that
     * whatever is chained onto it never runs on the thread that completed {@code source}
     * (possibly the native one). Failures arrive wrapped in a CompletionException, as with
     * any dependent stage; {@code get()} unwraps them.
     */
    <T> CompletableFuture<T> async(CompletableFuture<T> source) {
        // whenCompleteAsync, unlike thenApplyAsync, also hands failures over to the executor.
        return source.whenCompleteAsync((value, failure) -> { }, this::runOnWorker);
    }

    /**
     * Like {@link #async}, but fails with a {@link TimeoutException} saying
     * "timed out after ... waiting for {@code what}" if {@code source} is not done by then.
     * {@code source} itself is left alone.
     */
    <T> CompletableFuture<T> withTimeout(CompletableFuture<T> source, Duration limit, String what) {
        CompletableFuture<T> bounded = async(source);
        try {
            ScheduledFuture<?> alarm = timer.schedule(
                    () -> runOnWorker(() -> bounded.completeExceptionally(new TimeoutException(
                            "timed out after " + limit.toMillis() + " ms waiting for " + what))),
                    limit.toNanos(), TimeUnit.NANOSECONDS);
            bounded.whenComplete((value, failure) -> alarm.cancel(false));
        } catch (RejectedExecutionException closed) {
            bounded.completeExceptionally(new IllegalStateException(
                    "cannot wait for " + what + ": the RtcFactory is closed", closed));
        }
        return bounded;
    }

    /**
     * Stops the threads. Queued work (for example continuations of futures failed by closing
     * peers) still runs; waits briefly for it unless called from one of these threads.
     */
    void shutdown() {
        timer.shutdownNow();
        workers.shutdown();
        if (ownThread.get()) {
            return;
        }
        try {
            long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
            boolean stopped = workers.awaitTermination(SHUTDOWN_WAIT.toNanos(), TimeUnit.NANOSECONDS)
                    && timer.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (!stopped) {
                log.warn("{}: threads still busy {} s after close (a listener or continuation is blocking)",
                        name, SHUTDOWN_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * After shutdown there is no worker left, and no native thread either (the factory is
     * disposed first), so running on the calling thread is then both safe and necessary:
     * otherwise futures handed out after close would never complete.
     */
    private void runOnWorker(Runnable completion) {
        try {
            workers.execute(completion);
        } catch (RejectedExecutionException closed) {
            completion.run();
        }
    }

    private ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(() -> {
                ownThread.set(true);
                runnable.run();
            }, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
