package dev.dhtsignal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard error is a terminal, where a line redrawn in place helps a person and bothers no script. */
public final class Terminal {
    private static final boolean STDERR = detect(2);

    private Terminal() {
    }

    public static boolean stderr() {
        return STDERR;
    }

    /** Whether standard input is a terminal: a person can be asked something there. */
    public static boolean stdin() {
        return detect(0);
    }

    /** Whether standard output is a terminal: a person reads it, not a script (which gets the transcript alone). */
    public static boolean stdout() {
        return detect(1);
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
