package dev.dhtsignal.cli;

import dev.dhtsignal.signal.Transcript;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows a person that a waiting program is alive: on a terminal, one line on standard error redrawn in
 * place every second ("waiting for the answer: 12 s of 60 s"), erased when the wait ends. Scripts and
 * pipes get nothing.
 */
public final class WaitingIndicator implements AutoCloseable {
    private final Thread thread;
    private final PrintStream err;
    /** On Ctrl-C the line ends, so what follows (the shell's prompt) starts on a line of its own. */
    private final StopSignal.Registration endLineOnStop;

    private WaitingIndicator(Thread thread, PrintStream err) {
        this.thread = thread;
        this.err = err;
        this.endLineOnStop = thread == null ? () -> { } : StopSignal.onStop(() -> {
            thread.interrupt();
            synchronized (err) {
                err.println();
            }
        });
    }

    /** Starts showing {@code what} we wait for, and the limit; a no-op unless standard error is a terminal. */
    public static WaitingIndicator start(String what, Duration limit) {
        if (!Terminal.stderr()) {
            return new WaitingIndicator(null, System.err);
        }
        PrintStream err = System.err;
        long started = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
                    synchronized (err) {
                        err.print(String.format(Locale.ROOT, "\r%s: %s of %s \u001b[K", what,
                                Durations.format(Duration.ofSeconds(seconds)), Durations.format(limit)));
                        err.flush();
                    }
                    Thread.sleep(1_000);
                }
            } catch (InterruptedException e) {
                // The wait is over.
            }
        }, "waiting-indicator");
        t.setDaemon(true);
        t.start();
        return new WaitingIndicator(t, err);
    }

    /**
     * {@code transcript} with the indicator's line erased before each line it prints, so that the line
     * stands alone; the indicator is drawn again below it at its next tick.
     */
    public Transcript around(Transcript transcript) {
        if (thread == null) {
            return transcript;
        }
        return line -> {
            synchronized (err) {
                err.print("\r\u001b[K");
                err.flush();
                transcript.line(line);
            }
        };
    }

    /** Prints {@code line} on standard error as a line of its own, erasing the indicator's line first if it is drawn. */
    public void note(String line) {
        synchronized (err) {
            if (thread != null) {
                err.print("\r\u001b[K");
            }
            err.println(line);
            err.flush();
        }
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
        synchronized (err) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
