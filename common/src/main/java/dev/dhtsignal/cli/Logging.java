package dev.dhtsignal.cli;

/**
 * Sets up slf4j-simple for the programs: everything to standard error (standard output is kept for the
 * lines scripts read), with times, at INFO or, with {@code -v}, DEBUG for our own packages. Must run
 * before the first logger is created.
 */
public final class Logging {
    private Logging() {
    }

    public static void configure(boolean verbose) {
        configure(verbose, "info");
    }

    /**
     * For the peers: without {@code -v} only warnings and errors reach standard error, each as a line
     * {@code program: message}, so a person at the terminal sees the chat and what went wrong, not the
     * steps; with {@code -v}, the log lines with their times, threads and classes.
     */
    public static void configureQuiet(String program, boolean verbose) {
        if (!verbose) {
            // A warning a person sees is a message like any other: "offerer: ...", no time, thread or class.
            setIfAbsent("org.slf4j.simpleLogger.showDateTime", "false");
            setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
            setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
            setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
            setIfAbsent("org.slf4j.simpleLogger.warnLevelString", program + ":");
        }
        configure(verbose, verbose ? "info" : "warn");
    }

    private static void configure(boolean verbose, String defaultLevel) {
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", defaultLevel);
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.dev.dhtsignal", "debug");
        }
        // Initialise now, on one thread: loggers first touched by several threads at once make slf4j print
        // a warning about replayed calls.
        org.slf4j.LoggerFactory.getILoggerFactory();
    }

    /** Whether -v or --verbose is among the arguments; read before picocli runs, to set up logging first. */
    public static boolean verboseRequested(String[] args) {
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
