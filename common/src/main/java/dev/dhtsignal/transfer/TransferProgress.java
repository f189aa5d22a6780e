package dev.dhtsignal.transfer;

import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * How far one transfer (a file, or a directory's files together) has got. On a terminal a bar on the
 * {@link LiveLine}, redrawn at most five times a second and fitted to the terminal's width (name, bar,
 * percentage, bytes, rate, time left; the bar shrinks first, then the name); elsewhere nothing: the
 * caller prints one line for the outcome, with {@link #summary()} in it.
 */
public final class TransferProgress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int MAX_BAR = 24;
    private static final int MIN_BAR = 5;

    private final LiveLine live;
    private final String name;
    private final long size;
    private final LongSupplier nanoTime;
    /**
     * When the bytes began to move: the first {@link #skip} or {@link #advance} (both sides call skip when a
     * file is accepted), not when the display was made. A sender makes it before its offer, and a person
     * may take a minute to say yes; counted from then, a 6 s transfer read "12.4 s (16.1 MB/s)".
     */
    private long started;
    private boolean moving;
    private final IntFunction<String> render = this::line;
    private long done;
    /** Bytes counted done without being moved now (kept from an interrupted transfer): not in the rate. */
    private long skipped;
    private long lastDrawn;
    private boolean drawn;
    private boolean ended;

    /**
     * @param live the terminal's live line, or null when there is none
     * @param name what is shown: the file's name, or the directory's
     * @param size bytes in all
     */
    public TransferProgress(LiveLine live, String name, long size, LongSupplier nanoTime) {
        this.live = live;
        this.name = name;
        this.size = size;
        this.nanoTime = nanoTime;
    }

    /** Bytes transferred so far. */
    public synchronized long done() {
        return done;
    }

    public long size() {
        return size;
    }

    /** Records {@code bytes} more; redraws the bar when it is due. */
    public synchronized void advance(long bytes) {
        if (!moving) {
            moving = true;
            started = nanoTime.getAsLong();
        }
        done += bytes;
        if (live != null && !ended) {
            long now = nanoTime.getAsLong();
            if (!drawn || now - lastDrawn >= REDRAW_NANOS) {
                drawn = true;
                lastDrawn = now;
                live.show(render);
            }
        }
    }

    /** Records {@code bytes} that need not move (a resumed file's kept part): done, but not in the rate. */
    public synchronized void skip(long bytes) {
        skipped += bytes;
        advance(bytes);
    }

    /**
     * The transfer is over, one way or another: the bar is erased, so that the line saying how it ended
     * takes its place. Later calls do nothing.
     */
    public synchronized void end() {
        if (!ended) {
            ended = true;
            if (live != null) {
                live.clear(render);
            }
        }
    }

    /** For the outcome line: "286.1 MiB in 23.2 s (12.9 MB/s)", the bytes moved (not those kept from before). */
    public synchronized String summary() {
        return summary(done - skipped, moving ? nanoTime.getAsLong() - started : 0);
    }

    /** "286.1 MiB in 23.2 s (12.9 MB/s)" for {@code bytes} moved in {@code nanos}. */
    public static String summary(long bytes, long nanos) {
        double seconds = Math.max(1e-9, nanos / 1e9);
        return String.format(Locale.ROOT, "%s in %.1f s (%s)", bytes(bytes), seconds, rate(bytes / seconds));
    }

    /** How far it got, for messages about an interrupted transfer, e.g. "512.0 MiB of 1.0 GiB (50%)". */
    public synchronized String howFar() {
        return bytes(done) + " of " + bytes(size) + " (" + percent() + "%)";
    }

    private int percent() {
        return size == 0 ? 100 : (int) (done * 100 / size);
    }

    /** The bar's line in at most {@code columns} columns. */
    synchronized String line(int columns) {
        double seconds = Math.max(1e-9, (nanoTime.getAsLong() - started) / 1e9);
        double perSecond = (done - skipped) / seconds;
        String left = perSecond <= 0 || done == skipped ? "--:--" : clock((size - done) / perSecond);
        String stats = String.format(Locale.ROOT, " %3d%% %s / %s  %s  %s left", percent(), bytes(done), bytes(size),
                rate(perSecond), left);
        // What stays when room is short: the percentage and bytes, then the bar, then as much of the name as fits.
        if (stats.length() + MIN_BAR + 3 > columns) {
            stats = String.format(Locale.ROOT, " %3d%% %s", percent(), bytes(done));
        }
        int nameWidth = Math.min(name.length(), Math.max(4, columns - stats.length() - MIN_BAR - 3));
        int bar = Math.max(0, Math.min(MAX_BAR, columns - stats.length() - nameWidth - 3));
        String shownName = nameWidth >= name.length() ? name : name.substring(0, Math.max(0, nameWidth - 1)) + "…";
        int filled = size == 0 ? bar : (int) (done * bar / size);
        String line = shownName + " [" + "#".repeat(filled) + ".".repeat(bar - filled) + "]" + stats;
        return line.length() > columns ? line.substring(0, Math.max(0, columns)) : line;
    }

    public static String bytes(long n) {
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
