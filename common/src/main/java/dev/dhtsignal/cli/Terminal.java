package dev.dhtsignal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which of the standard streams are a terminal: where a line redrawn in place helps a person and bothers
 * no script (standard error), where a person can be asked a question (standard input).
 */
public final class Terminal {
    private static final boolean STDIN = detect(0);
    private static final boolean STDOUT = detect(1);
    private static final boolean STDERR = detect(2);

    private Terminal() {
    }

    /** Whether standard input is a terminal: a person can be asked something there. */
    public static boolean stdin() {
        return STDIN;
    }

    /** Whether standard output is a terminal: a person reads it, not a script (which gets the transcript alone). */
    public static boolean stdout() {
        return STDOUT;
    }

    /** Whether standard error is a terminal: a line redrawn in place there helps a person. */
    public static boolean stderr() {
        return STDERR;
    }

    /** Linux names a terminal /dev/pts/N or /dev/ttyN; anything else (a pipe, a file) is not one. */
    private static boolean detect(int descriptor) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + descriptor)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
