package dev.dhtsignal.tools.dht;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.kademlia.PutOutcome;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dht-cli}: stores and reads text values through a DHT as a client, for scripts and multi-host
 * tests. {@code put PREFIX COUNT} stores PREFIX-0..PREFIX-(COUNT-1) with values "value-of-PREFIX-i";
 * {@code get PREFIX COUNT} reads them back and exits 0 only if every one is found and right. A put also
 * prints how many copies the network holds of each value (the fewest, the median, the most).
 */
@Command(name = "dht-cli", mixinStandardHelpOptions = true,
        description = "Put or get a batch of values through a DHT node, as a client.")
public final class DhtCli implements Callable<Integer> {
    @Option(names = "--dht", paramLabel = "HOST:PORT", required = true, description = "Node to join.")
    String dht;

    @Option(names = "--timeout", converter = DurationConverter.class, defaultValue = "60s",
            description = "Limit for the whole batch (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Parameters(index = "0", paramLabel = "put|get|ping") String action;
    @Parameters(index = "1", arity = "0..1", paramLabel = "PREFIX", defaultValue = "key") String prefix;
    @Parameters(index = "2", arity = "0..1", paramLabel = "COUNT", defaultValue = "1") int count;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new DhtCli(), args));
    }

    static String valueOf(String key) {
        return "value-of-" + key;
    }

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = Endpoints.parseAndResolve(dht);
        KademliaConfig config = KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0))
                .clientOnly(true)
                .threadName("dht-cli")
                .build();
        try (KademliaNode node = KademliaNode.start(config)) {
            if (node.bootstrap(List.of(address)).get(timeout.toMillis(), TimeUnit.MILLISECONDS).reached().isEmpty()) {
                System.err.println("dht-cli: no answer from " + dht);
                return 1;
            }
            if (action.equals("ping")) {
                System.out.println("ok " + node.contacts().size() + " contacts");
                return 0;
            }
            List<CompletableFuture<?>> work = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = prefix + "-" + i;
                work.add(switch (action) {
                    case "put" -> node.put(key, DhtValue.text(valueOf(key)));
                    case "get" -> node.get(key);
                    default -> throw Cli.usage(this, "action must be put, get or ping, not '" + action + "'");
                });
            }
            int good = 0;
            List<Integer> copies = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int i = 0; i < count; i++) {
                String key = prefix + "-" + i;
                try {
                    Object r = work.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (r instanceof PutOutcome outcome) {
                        copies.add(outcome.copies());
                    }
                    if (action.equals("put") || Optional.of(DhtValue.text(valueOf(key))).equals(r)) {
                        good++;
                    } else {
                        System.err.println("dht-cli: " + key + ": " + (((Optional<?>) r).isEmpty() ? "not found" : "wrong value " + r));
                    }
                } catch (Exception e) {
                    System.err.println("dht-cli: " + key + ": " + (e.getCause() != null ? e.getCause().getMessage() : e));
                }
            }
            System.out.println(action + " " + good + "/" + count);
            if (!copies.isEmpty()) {
                Collections.sort(copies);
                System.out.println("copies: min " + copies.get(0) + ", median " + copies.get(copies.size() / 2)
                        + ", max " + copies.get(copies.size() - 1));
            }
            return good == count ? 0 : 1;
        }
    }
}
