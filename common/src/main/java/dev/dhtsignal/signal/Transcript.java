package dev.dhtsignal.signal;

/**
 * The lines a program prints on standard output for people and scripts to read (the original's exact
 * lines), as opposed to logs, which go to standard error.
 */
@FunctionalInterface
public interface Transcript {
    void line(String text);

    /** The same transcript with every line prefixed, e.g. by the session it belongs to. */
    default Transcript prefixed(String prefix) {
        return text -> line(prefix + text);
    }
}
