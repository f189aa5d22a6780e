package dev.dhtsignal.cli;

import dev.dhtsignal.pake.WordList;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs a picocli command the way all three programs do: short error messages, exit codes documented. */
public final class Cli {
    /** Exit code for a bad option or argument. */
    public static final int USAGE_ERROR = 2;

    private Cli() {
    }

    /** Whether the arguments ask only for help or the version: then nothing else is worth starting early. */
    public static boolean helpOrVersionRequested(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The whole of a peer program's {@code main}: the stop handling in place from the first line, quiet
     * logging, WebRTC's native library loading while picocli parses (which takes a while on a cold JVM),
     * then the command, and an exit that keeps standard output clean.
     */
    public static void runPeer(String program, java.util.function.Supplier<Object> command, String[] args) {
        Timing.mainEntered();
        StopSignal.install();
        // Before anything prints: every line on standard error (a log line too) then stands on its own.
        StatusLine.install();
        Logging.configureQuiet(program, Logging.verboseRequested(args));
        if (!helpOrVersionRequested(args)) {
            dev.dhtsignal.signal.exchange.PeerRuntime.preload(program);
        }
        exitKeepingStdoutClean(execute(command.get(), args));
    }

    /** Parses and runs; on a bad option prints one line saying what is wrong and how to get help. */
    public static int execute(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((e, ignoredArgs) -> {
            PrintWriter err = e.getCommandLine().getErr();
            String name = e.getCommandLine().getCommandName();
            err.println(name + ": " + e.getMessage() + hint(e));
            err.println("Try '" + name + " --help' for the options.");
            err.flush();
            return USAGE_ERROR;
        });
        return cl.execute(args);
    }

    /**
     * What the person probably meant: the option nearest a mistyped one ("--sesion": did you mean
     * --session?), or --send for a file named on its own ({@code offerer a.txt}).
     */
    private static String hint(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched)) {
            return "";
        }
        List<String> typed = unmatched.getUnmatched();
        if (typed.isEmpty()) {
            return "";
        }
        String first = typed.get(0);
        if (first.startsWith("-")) {
            String typedName = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            String nearest = null;
            int best = Integer.MAX_VALUE;
            for (String option : e.getCommandLine().getCommandSpec().optionsMap().keySet()) {
                int d = WordList.distance(typedName, option);
                if (d < best) {
                    best = d;
                    nearest = option;
                }
            }
            // One or two slips of the keyboard (a letter missing, doubled, swapped or wrong): what was meant.
            return nearest != null && best <= 2 ? " (did you mean " + nearest + "?)" : "";
        }
        boolean sends = e.getCommandLine().getCommandSpec().findOption("--send") != null;
        if (sends && java.nio.file.Files.exists(java.nio.file.Path.of(first))) {
            return " (to send it: --send " + String.join(" ", typed) + ")";
        }
        return sends ? " (files to send follow --send: --send " + first + ")" : "";
    }

    /**
     * Ends the process with {@code code}, keeping standard output to the lines we printed
     * ({@link #silenceStandardOutput}).
     */
    public static void exitKeepingStdoutClean(int code) {
        silenceStandardOutput();
        System.exit(code);
    }

    /** Held so that the stream, and with it descriptor 1, stays open until the process ends. */
    private static java.io.OutputStream nullSink;
    private static boolean silenced;

    /**
     * Points standard output at /dev/null once everything written to it has been flushed, for a program
     * about to end: webrtc-java's native library writes "VM attach current thread failed" to standard output
     * from a static destructor as the JVM exits, and a script reading our transcript must not see that.
     * Descriptor 1 is closed and /dev/null opened at once, which takes the lowest free descriptor, 1; nothing
     * else opens files then (the program's own work is over). Later calls do nothing.
     */
    static synchronized void silenceStandardOutput() {
        System.err.flush();
        System.out.flush();
        if (silenced) {
            return;
        }
        silenced = true;
        java.io.File devNull = new java.io.File("/dev/null");
        if (devNull.exists()) {
            System.out.close();
            try {
                nullSink = new java.io.FileOutputStream(devNull);
            } catch (java.io.IOException e) {
                // Standard output stays closed; the native lines then go nowhere, which is fine too.
            }
        }
    }

    /** A bad-option error raised from inside a command, reported like picocli's own. */
    public static CommandLine.ParameterException usage(Object command, String message) {
        return new CommandLine.ParameterException(new CommandLine(command), message);
    }
}
