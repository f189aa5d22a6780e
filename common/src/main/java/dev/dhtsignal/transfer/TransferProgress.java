package dev.dhtsignal.transfer;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * How far one file has got, on standard error: on a terminal a bar redrawn in place (bytes, rate, time
 * left), elsewhere nothing until one summary line at the end, so logs and pipes stay short.
 */
public final class TransferProgress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final String name;
    private final long size;
    private final LongSupplier nanoTime;
    private final long started;
    private long done;
    private long lastDrawn;
    private boolean drawn;

    public TransferProgress(PrintStream err, boolean terminal, String name, long size, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.name = name;
        this.size = size;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
    }

    /** Bytes transferred so far. */
    public long done() {
        return done;
    }

    /** Records {@code bytes} more; redraws the bar when it is due. */
    public synchronized void advance(long bytes) {
        done += bytes;
        if (terminal) {
            long now = nanoTime.getAsLong();
            if (!drawn || now - lastDrawn >= REDRAW_NANOS) {
                drawn = true;
                lastDrawn = now;
                draw(now);
            }
        }
    }

    /**
     * Ends the bar's line on a terminal, so that a message about the transfer's end (stopped, failed)
     * starts on a line of its own instead of after the bar. Once; nothing when no bar was drawn.
     */
    public synchronized void interrupted() {
        if (terminal && drawn) {
            drawn = false;
            err.print("\n");
            err.flush();
        }
    }

    /** Ends the display: the bar's last state on a terminal, then one line saying how it ended. */
    public synchronized void finish(String verb, String outcome) {
        long now = nanoTime.getAsLong();
        if (terminal) {
            draw(now);
            err.print("\n");
        }
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        err.printf(Locale.ROOT, "%s %s: %s of %s in %.1f s (%s)%s%n", verb, name, bytes(done), bytes(size), seconds,
                rate(done / seconds), outcome.isEmpty() ? "" : ", " + outcome);
        err.flush();
    }

    /** How far it got, for messages about an interrupted transfer, e.g. "512.0 MiB of 1.0 GiB (50%)". */
    public String howFar() {
        return bytes(done) + " of " + bytes(size) + " (" + percent() + "%)";
    }

    private int percent() {
        return size == 0 ? 100 : (int) (done * 100 / size);
    }

    private void draw(long now) {
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        double perSecond = done / seconds;
        int filled = size == 0 ? BAR_WIDTH : (int) (done * BAR_WIDTH / size);
        String left = perSecond <= 0 || done == 0 ? "--:--" : clock((size - done) / perSecond);
        err.printf(Locale.ROOT, "\r%s [%s%s] %3d%% %s / %s  %s  %s left \u001b[K", name, "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled), percent(), bytes(done), bytes(size), rate(perSecond), left);
        err.flush();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String rate(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
