package dev.dhtsignal.dht;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What happens when a node's thread meets an {@link Error} (OutOfMemoryError, StackOverflowError, an
 * assertion, a linkage problem): the process ends at once with {@link #EXIT_STATUS} and one clear line
 * on standard error, so that a supervisor (systemd, a container runtime) restarts it.
 *
 * <p>Why not carry on: after an Error the thread that met it is gone or its state is unknown, and a node
 * whose only receiver died keeps running while it answers nobody, which is worse than a restart. Why
 * {@link Runtime#halt}: after an OutOfMemoryError, shutdown hooks and logging may themselves fail or hang.
 *
 * <p>Every thread the node and its programs start goes through here: their threads come from
 * {@link #threads}, whose uncaught-exception handler reports, and scheduled executors from
 * {@link #scheduledExecutor}, which also report an Error that a task's future would otherwise swallow.
 * RuntimeExceptions are not fatal: the code that runs a task catches, logs and counts those.
 */
public final class FatalErrors {
    /** Exit status after a fatal error: EX_SOFTWARE of sysexits.h. */
    public static final int EXIT_STATUS = 70;

    /** Reacts to an Error met on a thread. */
    @FunctionalInterface
    public interface Handler {
        void onError(Thread thread, Throwable error);
    }

    private static final Handler HALT = FatalErrors::halt;
    /** Heap set aside from the start and let go on a fatal error, so that the message can still be built. */
    @SuppressWarnings("unused")
    private static volatile byte[] reserve = new byte[256 << 10];
    /** Said when even that fails; made in advance, as is the stream it goes to. */
    private static final byte[] FALLBACK_MESSAGE = ("fatal: an Error ended a thread of the node (out of memory?); "
            + "exiting with status " + EXIT_STATUS + " so that the node can be restarted\n").getBytes(StandardCharsets.US_ASCII);
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);
    private static volatile Handler handler = HALT;

    private FatalErrors() {
    }

    /**
     * Replaces the process-wide handler (tests observe errors instead of ending the JVM); returns the
     * previous one, to be put back.
     */
    public static Handler setHandler(Handler newHandler) {
        Handler previous = handler;
        handler = newHandler == null ? HALT : newHandler;
        return previous;
    }

    /** Reports an Error met on {@code thread}; with the default handler this does not return. */
    public static void report(Thread thread, Throwable error) {
        handler.onError(thread, error);
    }

    private static void halt(Thread thread, Throwable error) {
        try {
            reserve = null;  // out of memory, the message below needs a little room
            System.err.println("fatal: " + error + " in thread " + thread.getName()
                    + "; exiting with status " + EXIT_STATUS + " so that the node can be restarted");
            System.err.flush();
        } catch (Throwable again) {
            try {
                STDERR.write(FALLBACK_MESSAGE);
            } catch (Throwable ignored) {
                // nothing more can be said; the exit status still tells
            }
        } finally {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    /**
     * Daemon threads named {@code name}, {@code name-2}, ...: an exception nothing caught ends in
     * {@link #report} when it is an Error, and is logged by the default handler otherwise.
     */
    public static ThreadFactory threads(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + (count.incrementAndGet() == 1 ? "" : "-" + count.get()));
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(FatalErrors::uncaught);
            return t;
        };
    }

    /** An uncaught-exception handler for threads made elsewhere. */
    public static void uncaught(Thread thread, Throwable error) {
        if (error instanceof Error) {
            report(thread, error);
        } else {
            System.err.println("uncaught exception in thread " + thread.getName() + ": " + error);
            error.printStackTrace();
        }
    }

    /**
     * A single-thread scheduled executor on {@link #threads}{@code (name)}. A task's exception ends up in
     * its future, where nobody looks for a periodic task: an Error found there is reported.
     */
    public static ScheduledThreadPoolExecutor scheduledExecutor(String name) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, threads(name)) {
            @Override
            protected void afterExecute(Runnable task, Throwable thrown) {
                super.afterExecute(task, thrown);
                Throwable error = thrown;
                if (error == null && task instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
                    try {
                        f.get();
                    } catch (ExecutionException ex) {
                        error = ex.getCause();
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (error instanceof Error) {
                    report(Thread.currentThread(), error);
                }
            }
        };
        // Most RPC timeouts are cancelled by the reply; without this they would sit in the queue until due.
        e.setRemoveOnCancelPolicy(true);
        return e;
    }
}
