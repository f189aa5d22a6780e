package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BEP 42 for a full node with a random id: once several replies report the same public address for us
 * ({@code ip} in KRPC replies), the node takes an id derived from that address, so that others accept it in
 * their routing tables. The contacts move to a routing table for the new id.
 */
final class ExternalAddressVotes {
    private static final Logger log = LoggerFactory.getLogger(ExternalAddressVotes.class);
    /** Replies reporting the same public address before a full node takes a BEP 42 id for it. */
    private static final int VOTES = 3;
    /** Distinct addresses counted at once: liars each naming a new address cannot grow the count without end. */
    private static final int MAX_CANDIDATES = 64;

    private final MainlineConfig config;
    private final Supplier<RoutingTable> routing;
    private final Function<NodeId, RoutingTable> tableFor;
    private final Consumer<RoutingTable> install;
    private final SecureRandom random = new SecureRandom();
    private final Map<InetAddress, Integer> votes = new HashMap<>();

    /**
     * @param tableFor an empty routing table for an id
     * @param install  makes a table the node's, then lets our neighbours learn of the new id
     */
    ExternalAddressVotes(MainlineConfig config, Supplier<RoutingTable> routing, Function<NodeId, RoutingTable> tableFor,
                         Consumer<RoutingTable> install) {
        this.config = config;
        this.routing = routing;
        this.tableFor = tableFor;
        this.install = install;
    }

    /** One reply reported this address for us. */
    void heard(InetAddress address) {
        if (config.readOnly() || config.nodeId().isPresent() || Bep42.isExempt(address)) {
            return;
        }
        RoutingTable table;
        synchronized (votes) {
            RoutingTable old = routing.get();
            if (!votes.containsKey(address) && votes.size() >= MAX_CANDIDATES) {
                votes.clear();
            }
            if (Bep42.isValid(old.self(), address) || votes.merge(address, 1, Integer::sum) < VOTES) {
                return;
            }
            votes.clear();
            NodeId fresh = Bep42.idFor(address, random);
            table = tableFor.apply(fresh);
            Clock clock = config.clock();
            Instant now = clock.instant();
            for (Contact c : old.all()) {
                table.seen(c, now);
            }
            log.info("external address {}: node id is now {} (BEP 42)", address.getHostAddress(), fresh.shortHex());
        }
        install.accept(table);
    }
}
