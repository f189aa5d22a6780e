package dev.dhtsignal.rtc;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one after another, in the order they were submitted, borrowing a thread from a
 * shared pool only while it has work. Used where order matters, e.g. so that messages of one
 * data channel reach its listener in the order they arrived.
 *
 * <p>State touched only by tasks of one SerialExecutor needs no further locking: each task
 * happens-before the next (they are handed over through this object's monitor).
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final String purpose;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean draining;

    SerialExecutor(Executor pool, String purpose) {
        this.pool = pool;
        this.purpose = purpose;
    }

    /** Queues {@code task}; after the pool has shut down, tasks are dropped (nothing is listening). */
    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(task);
        if (draining) {
            return;
        }
        try {
            pool.execute(this::drain);
            draining = true;
        } catch (RejectedExecutionException closed) {
            log.debug("{}: dropping {} queued task(s) after shutdown", purpose, tasks.size());
            tasks.clear();
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = tasks.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                log.warn("{}: task failed", purpose, e);
            }
        }
    }
}
