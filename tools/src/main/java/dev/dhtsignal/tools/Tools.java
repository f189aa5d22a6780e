package dev.dhtsignal.tools;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.VersionProvider;
import picocli.CommandLine.Command;

/** {@code java -jar tools.jar <tool> ...}: the tools the scripts run. Each tool is a subcommand. */
@Command(name = "tools", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Benchmarks, fuzzing and a DHT client for the scripts in scripts/.",
        subcommands = {dev.dhtsignal.tools.dht.DhtCli.class})
public final class Tools implements Runnable {
    public static void main(String[] args) {
        Logging.configure(Logging.verboseRequested(args));
        Cli.exitKeepingStdoutClean(Cli.execute(new Tools(), args));
    }

    @Override
    public void run() {
        System.err.println("tools: name a tool; see --help");
    }
}
