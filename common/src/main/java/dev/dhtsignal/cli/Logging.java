package dev.dhtsignal.cli;

/**
 * Sets up slf4j-simple for the programs: everything to standard error (standard output is kept for the
 * lines scripts read). For the programs a person runs, each log line is a message like the others,
 * {@code program: message}; with {@code -v}, log lines with times, threads and classes, and DEBUG for our
 * own packages. Must run before the first logger is created.
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
            asMessages(program);
        }
        configure(verbose, verbose ? "info" : "warn");
    }

    /**
     * For a long-running program a person starts (dht-server): its log lines at INFO, each as
     * {@code program: message} ({@code program: warning: message}, {@code program: error: message}), with no
     * time, thread or class (a service manager's journal adds the time); with {@code -v}, the full log lines
     * at DEBUG.
     */
    public static void configureForPeople(String program, boolean verbose) {
        if (!verbose) {
            asMessages(program);
        }
        configure(verbose, "info");
    }

    /** Log lines without time, thread or class, and the level in front replaced by the program's name. */
    private static void asMessages(String program) {
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "false");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
        // slf4j-simple always writes the level first (its warnLevelString setting is not used by 2.0.17);
        // this stream, in front of standard error, puts the program's name in its place.
        System.setErr(new java.io.PrintStream(new LevelAsProgram(System.err, program), true,
                java.nio.charset.StandardCharsets.UTF_8));
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

    /** Turns a log line's leading "INFO " / "WARN " / "ERROR " into "program: " / "program: warning: " / ... . */
    private static final class LevelAsProgram extends java.io.FilterOutputStream {
        private final java.io.PrintStream target;
        private final String program;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        LevelAsProgram(java.io.PrintStream target, String program) {
            super(target);
            this.target = target;
            this.program = program;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                flushLine();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void flush() {
            flushLine();
            target.flush();
        }

        private void flushLine() {
            if (line.size() == 0) {
                return;
            }
            String text = line.toString(java.nio.charset.StandardCharsets.UTF_8);
            line.reset();
            if (text.startsWith("INFO ")) {
                text = program + ": " + text.substring(5);
            } else if (text.startsWith("WARN ")) {
                text = program + ": warning: " + text.substring(5);
            } else if (text.startsWith("ERROR ")) {
                text = program + ": error: " + text.substring(6);
            }
            target.print(text);
            target.flush();
        }
    }
}
