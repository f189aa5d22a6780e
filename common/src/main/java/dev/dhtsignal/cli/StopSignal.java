package dev.dhtsignal.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * What a program does when it is stopped with Ctrl-C (SIGINT) or SIGTERM: runs the actions registered
 * for the step it is in (clear what it published in the DHT, tell the other peer it is leaving, delete
 * a half-received file), newest first, for at most {@link #LIMIT_MILLIS}; then the JVM exits with
 * 128 + the signal's number (130, 143). Afterwards standard output is pointed at /dev/null, so the
 * lines webrtc-java's native library prints while the JVM goes down never reach the terminal.
 */
public final class StopSignal {
    /** The longest a stop may take before the process exits anyway. */
    public static final long LIMIT_MILLIS = 3_000;

    private static final List<Runnable> ACTIONS = new CopyOnWriteArrayList<>();
    /** Held while the program tears its runtime down, and while a stop begins: never both at once. */
    private static final Object TEARDOWN = new Object();
    private static volatile boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(StopSignal::stop, "stopping"));
    }

    private StopSignal() {
    }

    /**
     * Puts the stop in place from the program's first moment: stopped before anything is registered
     * (while WebRTC loads or the DHT is joined), it still keeps webrtc-java's exit lines off standard
     * output. Registering does this too; a program calls this first thing in main.
     */
    public static void install() {
        // Loading this class adds the shutdown hook (static initialiser above).
    }

    /** Registers what to do if the program is stopped now; closing the result unregisters it. */
    public static Registration onStop(Runnable action) {
        ACTIONS.add(action);
        return () -> ACTIONS.remove(action);
    }

    /** Whether the program is being stopped: errors that follow are consequences, not news. */
    public static boolean stopping() {
        return stopping;
    }

    /**
     * Closes what the program runs on (WebRTC, the DHT node) at its ordinary end. If a stop is under
     * way instead, waits for the process to exit: the stop's actions are using those objects, and
     * tearing WebRTC down under them crashes its native code.
     */
    public static void closeUnlessStopping(Runnable close) {
        synchronized (TEARDOWN) {
            if (!stopping) {
                close.run();
                return;
            }
        }
        try {
            while (true) {
                Thread.sleep(Long.MAX_VALUE);  // the JVM exits once the stop is done
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop() {
        StatusLine.stopping();
        List<Runnable> actions;
        synchronized (TEARDOWN) {
            actions = new ArrayList<>(ACTIONS);
            if (actions.isEmpty()) {
                // An ordinary exit, or a stop before anything was under way: nothing to undo.
                Cli.silenceStandardOutput();
                return;
            }
            stopping = true;
        }
        Thread worker = new Thread(() -> {
            for (int i = actions.size() - 1; i >= 0; i--) {
                try {
                    actions.get(i).run();
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(StopSignal.class).debug("while stopping: {}", e.toString());
                }
            }
        }, "stopping-actions");
        worker.setDaemon(true);
        worker.start();
        try {
            worker.join(LIMIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Cli.silenceStandardOutput();
    }

    /** An action registered for the current step. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
