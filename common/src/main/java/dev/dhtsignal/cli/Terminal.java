package dev.dhtsignal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard error is a terminal, where a line redrawn in place helps a person and bothers no script. */
public final class Terminal {
    private static final boolean STDERR = detect();

    private Terminal() {
    }

    public static boolean stderr() {
        return STDERR;
    }

    /** Linux names a terminal /dev/pts/N or /dev/ttyN; anything else (a pipe, a file) is not one. */
    private static boolean detect() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
