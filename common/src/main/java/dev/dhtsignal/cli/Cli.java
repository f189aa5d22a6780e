package dev.dhtsignal.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Runs a picocli command the way all three programs do: short error messages, exit codes documented. */
public final class Cli {
    /** Exit code for a bad option or argument. */
    public static final int USAGE_ERROR = 2;

    private Cli() {
    }

    /** Parses and runs; on a bad option prints one line saying what is wrong and how to get help. */
    public static int execute(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((e, ignoredArgs) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(e.getCommandLine().getCommandName() + ": " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandName() + " --help' for the options.");
            err.flush();
            return USAGE_ERROR;
        });
        return cl.execute(args);
    }

    /** A bad-option error raised from inside a command, reported like picocli's own. */
    public static CommandLine.ParameterException usage(Object command, String message) {
        return new CommandLine.ParameterException(new CommandLine(command), message);
    }
}
