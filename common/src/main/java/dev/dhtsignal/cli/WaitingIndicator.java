package dev.dhtsignal.cli;

import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.transfer.LiveLine;
import java.time.Duration;
import java.util.function.IntFunction;

/**
 * Shows a person that a waiting program is alive: on a terminal, the live line on standard error redrawn
 * every second ("waiting for the answerer: 12s of 1m"; without a limit, only the time so far), erased
 * when the wait ends. Scripts and pipes get nothing. Lines printed meanwhile stand on their own (see
 * {@link StatusLine}).
 */
public final class WaitingIndicator implements AutoCloseable {
    private final Thread thread;
    private final LiveLine live;
    private final IntFunction<String> render;
    /** On Ctrl-C the line ends, so what follows (the shell's prompt) starts on a line of its own. */
    private final StopSignal.Registration endLineOnStop;

    private WaitingIndicator(Thread thread, LiveLine live, IntFunction<String> render) {
        this.thread = thread;
        this.live = live;
        this.render = render;
        this.endLineOnStop = thread == null ? () -> { } : StopSignal.onStop(() -> {
            thread.interrupt();
            live.clear(render);
        });
    }

    /**
     * Starts showing {@code what} we wait for, and the limit ({@code null}: none is shown); a no-op unless
     * standard error is a terminal.
     */
    public static WaitingIndicator start(String what, Duration limit) {
        LiveLine live = StatusLine.live();
        if (live == null) {
            return new WaitingIndicator(null, null, null);
        }
        long started = System.nanoTime();
        IntFunction<String> render = columns -> what + ": "
                + Durations.format(Duration.ofSeconds((System.nanoTime() - started) / 1_000_000_000L))
                + (limit == null ? "" : " of " + Durations.format(limit));
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    live.show(render);
                    Thread.sleep(1_000);
                }
            } catch (InterruptedException e) {
                // The wait is over.
            }
        }, "waiting-indicator");
        t.setDaemon(true);
        t.start();
        return new WaitingIndicator(t, live, render);
    }

    /**
     * {@code transcript} as it is: lines printed while the indicator shows are put above it by
     * {@link StatusLine}. Kept for the callers that pass a transcript through the wait.
     */
    public Transcript around(Transcript transcript) {
        return transcript;
    }

    /** Prints {@code line} on standard error as a line of its own. */
    public void note(String line) {
        System.err.println(line);
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        endLineOnStop.close();
        thread.interrupt();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        live.clear(render);
    }
}
