package dev.dhtsignal.server;

import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.storage.SourceQuotas;
import picocli.CommandLine.Option;

/** The options of {@code dht-server --network mainline} that the original network has no use for. */
final class MainlineOptions {
    @Option(names = "--max-items", paramLabel = "N",
            description = "Mainline: most BEP 44 items held for others; one IP address may hold a 32nd of them and "
                    + "one IPv4 /24 or IPv6 /64 an eighth, and when full the network holding the most gives up its "
                    + "oldest (default: ${DEFAULT-VALUE}).")
    int maxItems = MainlineConfig.DEFAULT_MAX_ITEMS;

    @Option(names = "--max-peers", paramLabel = "N",
            description = "Mainline: most announced peers (BEP 5 announce_peer) held for others, shared out the same "
                    + "way (default: ${DEFAULT-VALUE}).")
    int maxPeers = MainlineConfig.DEFAULT_MAX_PEERS;

    @Option(names = "--strict-node-ids",
            description = "Mainline: admit nodes on loopback and private addresses to the routing table only with "
                    + "their BEP 42 ids too, as public addresses always must be: for trying the rule on one host.")
    boolean strictNodeIds;

    /** @throws IllegalArgumentException for a limit that is not positive */
    MainlineConfig applyTo(MainlineConfig config) {
        if (maxItems < 1 || maxPeers < 1) {
            throw new IllegalArgumentException("--max-items and --max-peers must be at least 1");
        }
        return config.withItems(SourceQuotas.sharesOf(maxItems), config.itemLifetime())
                .withPeers(SourceQuotas.sharesOf(maxPeers)).withStrictNodeIds(strictNodeIds);
    }
}
