package dev.dhtsignal.tools;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.VersionProvider;
import picocli.CommandLine.Command;

/**
 * {@code java -jar tools.jar <tool> ...}: the tools the scripts run, each a subcommand (each also has a
 * main of its own, which the scripts call with {@code java -cp tools.jar <class>}).
 */
@Command(name = "tools", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Benchmarks, fuzzing, attacks and a DHT client for the scripts in scripts/.",
        subcommands = {
            dev.dhtsignal.tools.dht.DhtCli.class,
            dev.dhtsignal.tools.dht.NodeRelay.class,
            dev.dhtsignal.tools.bench.FindValueLoad.class,
            dev.dhtsignal.tools.bench.LookupBench.class,
            dev.dhtsignal.tools.bench.Fuzz.class,
            dev.dhtsignal.tools.bench.Flood.class,
            dev.dhtsignal.tools.bench.Attack.class,
            dev.dhtsignal.tools.bench.GatewayAttack.class,
            dev.dhtsignal.tools.bench.MainlineAttack.class,
            dev.dhtsignal.tools.bench.ShortCodeAttack.class,
            dev.dhtsignal.tools.bench.StoreFootprint.class,
            dev.dhtsignal.tools.peer.ChannelBench.class,
            dev.dhtsignal.tools.peer.DhtTap.class,
            dev.dhtsignal.tools.peer.PeerAttack.class,
            dev.dhtsignal.tools.peer.ProfileSummary.class
        })
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
