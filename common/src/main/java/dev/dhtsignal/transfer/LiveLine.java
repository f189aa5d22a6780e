package dev.dhtsignal.transfer;

import java.util.function.IntFunction;

/**
 * The one line of a terminal that is redrawn in place (a progress bar, a waiting indicator). Whatever
 * else is printed meanwhile gets a line of its own above it: the line is erased first and drawn again
 * after. Not a terminal: there is no live line, and displays print nothing until their summary.
 */
public interface LiveLine {
    /**
     * Shows a line drawn by {@code render}, which is given the columns it may use and must not use more;
     * it is called again when the terminal is resized.
     */
    void show(IntFunction<String> render);

    /** Erases the line, if this display's line is the one shown. */
    void clear(IntFunction<String> render);
}
