package dev.dhtsignal.cli;

import dev.dhtsignal.transfer.LiveLine;
import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Standard error of a peer program on a terminal, and its one live line (the waiting indicator, the
 * progress bar). Everything written to {@code System.err} goes through here: when the live line is
 * drawn, it is erased before the text and drawn again after the text's last line ends, so a warning or
 * a message never lands glued to the bar, and the bar never leaves copies of itself behind.
 *
 * <p>The live line is cut to the terminal's width less one column (a line that fills the last column
 * wraps on many terminals, and every redraw would then leave a line behind), and drawn again at the new
 * width when the terminal is resized (SIGWINCH).
 */
public final class StatusLine implements LiveLine {
    private static final String ERASE = "\r\u001b[K";
    private static final int FALLBACK_COLUMNS = 80;
    private static volatile StatusLine installed;

    private final PrintStream raw;
    private final boolean terminal;
    private final Object lock;
    private IntFunction<String> shown;   // guarded by lock
    private boolean drawn;                // guarded by lock; the live line is on screen
    private boolean atLineStart = true;   // guarded by lock; what others wrote ended with a line break
    private String question;              // guarded by lock; the open question, shown again below other lines
    private boolean questionShown;        // guarded by lock; it is on screen, on the last line
    private volatile int columns;

    private StatusLine(PrintStream raw, boolean terminal) {
        this.raw = raw;
        this.terminal = terminal;
        this.lock = raw;
        this.columns = terminal ? measureColumns() : FALLBACK_COLUMNS;
    }

    /**
     * Puts the status line in front of standard error (once per process) and returns it. Not a terminal:
     * standard error is left as it is and {@link #live()} is null.
     */
    public static synchronized StatusLine install() {
        if (installed == null) {
            StatusLine s = new StatusLine(System.err, Terminal.stderr());
            if (s.terminal) {
                System.setErr(new PrintStream(s.new Guarded(s.raw), true, StandardCharsets.UTF_8));
                if (Terminal.stdout()) {
                    // The same screen: a transcript line must not land on the live line either.
                    System.setOut(new PrintStream(s.new Guarded(System.out), true, StandardCharsets.UTF_8));
                }
                s.redrawOnResize();
            }
            installed = s;
        }
        return installed;
    }

    /** The live line, or null when standard error is not a terminal (nothing is redrawn then). */
    public static LiveLine live() {
        StatusLine s = install();
        return s.terminal ? s : null;
    }

    @Override
    public void show(IntFunction<String> render) {
        synchronized (lock) {
            shown = render;
            draw();
        }
    }

    @Override
    public void clear(IntFunction<String> render) {
        synchronized (lock) {
            if (shown != render) {
                return;
            }
            shown = null;
            if (drawn) {
                raw.print(ERASE);
                raw.flush();
                drawn = false;
            }
        }
    }

    /**
     * Writes a question (no line break) that stays until the person answers: the live line is erased first,
     * and a line printed meanwhile goes above the question, which is written again below it.
     */
    public void prompt(String text) {
        synchronized (lock) {
            if (drawn) {
                raw.print(ERASE);
                drawn = false;
            }
            question = text;
            raw.print(text);
            raw.flush();
            questionShown = true;
        }
    }

    /** The person answered the question (their Enter ended its line): the live line may be drawn again. */
    public void promptAnswered() {
        synchronized (lock) {
            question = null;
            questionShown = false;
            atLineStart = true;
            draw();
        }
    }

    /**
     * The program is being stopped (Ctrl-C): a question still open ends its line, so that what follows
     * (the stop's messages, the shell's prompt) starts on a line of its own and not after "[y/N] ^C".
     */
    static void stopping() {
        StatusLine s = installed;
        if (s == null || !s.terminal) {
            return;
        }
        synchronized (s.lock) {
            if (s.questionShown) {
                s.raw.print(System.lineSeparator());
                s.raw.flush();
                s.questionShown = false;
                s.question = null;
                s.atLineStart = true;
            }
        }
    }

    /** Columns of the terminal (80 when not known). */
    public int columns() {
        return columns;
    }

    private void draw() {
        if (shown == null || !atLineStart || question != null) {
            return;
        }
        String text = fit(shown.apply(columns - 1), columns - 1);
        raw.print("\r" + text + "\u001b[K");
        raw.flush();
        drawn = true;
    }

    /** {@code text} cut to {@code width} columns (wide characters count two), with "…" where it was cut. */
    static String fit(String text, int width) {
        if (TextWidth.of(text) <= width) {
            return text;
        }
        return TextWidth.cut(text, Math.max(0, width - 1)) + "…";
    }

    /** On SIGWINCH: the new width, and the live line drawn again to fit it. */
    private void redrawOnResize() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> {
                columns = measureColumns();
                synchronized (lock) {
                    if (drawn) {
                        // The old, wider line may have wrapped on the narrower screen: erase it and its wrap.
                        raw.print(ERASE);
                    }
                    draw();
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGWINCH here: the width stays as measured at start.
        }
    }

    /** The terminal's width, asked of the terminal itself ({@code stty size}); 80 when that fails. */
    private static int measureColumns() {
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            String[] parts = out.split("\\s+");
            int cols = parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
            if (cols > 0) {
                return cols;
            }
        } catch (IOException | NumberFormatException e) {
            // Fall through to the environment.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int cols = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            return cols > 0 ? cols : FALLBACK_COLUMNS;
        } catch (NumberFormatException e) {
            return FALLBACK_COLUMNS;
        }
    }

    /**
     * What {@code System.err} (and {@code System.out} on the same screen) writes into: the live line erased
     * before, drawn again after each finished line.
     */
    private final class Guarded extends FilterOutputStream {
        private final PrintStream target;

        Guarded(PrintStream target) {
            super(target);
            this.target = target;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len == 0) {
                return;
            }
            synchronized (lock) {
                if (drawn || questionShown) {
                    // The question's line goes too (what was typed of the answer stays in the terminal's buffer).
                    raw.print(ERASE);
                    raw.flush();
                    drawn = false;
                    questionShown = false;
                }
                target.write(b, off, len);
                target.flush();
                atLineStart = b[off + len - 1] == '\n';
                if (atLineStart && question != null) {
                    raw.print(question);
                    raw.flush();
                    questionShown = true;
                } else if (atLineStart) {
                    draw();
                }
            }
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
