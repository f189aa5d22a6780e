package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BEP 42 admission in the Mainline node's routing table ({@link Bep42#ROUTING_RULE}), decided on public
 * addresses (the wire tests can only use loopback): eight addresses with ids chosen next to a target once
 * took all eight closest places around it; now a public address gets in only with an id BEP 42 allows for
 * it, so placing a node next to a target takes an address whose checksum falls there.
 */
class Bep42AdmissionTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Random random = new Random(42);
    private final NodeId target = NodeId.random(random);

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private RoutingTable mainlineTable() {
        // Our own id close to the target, so that the target's neighbourhood falls in our deep buckets.
        return new RoutingTable(target.randomWithSharedPrefix(20, random), MainlineConfig.MAINLINE_K, false,
                Bep42.ROUTING_RULE);
    }

    /** Eight public addresses with ids sharing 100+ bits with the target: what a Sybil places next to a key. */
    private List<Contact> sybils() throws Exception {
        List<Contact> out = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            out.add(new Contact(target.randomWithSharedPrefix(100 + i, random),
                    new InetSocketAddress(ip("198.51.100." + i), 6881)));
        }
        return out;
    }

    /** Honest nodes on public addresses, each with an id BEP 42 gives its address. */
    private List<Contact> honest(int n) throws Exception {
        List<Contact> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            InetAddress a = ip("203.0." + (i / 200) + "." + (1 + i % 200));
            out.add(new Contact(Bep42.idFor(a, random), new InetSocketAddress(a, 6881)));
        }
        return out;
    }

    @Test
    void sybilIdsOnPublicAddressesAreNotAdmittedAndTakeNoPlaceNearTheTarget() throws Exception {
        RoutingTable table = mainlineTable();
        for (Contact c : honest(300)) {
            table.seen(c, NOW);
        }
        for (Contact s : sybils()) {
            assertEquals(RoutingTable.Outcome.ID_NOT_ALLOWED, table.seen(s, NOW), s.toString());
            assertTrue(table.wouldRefuse(s), "not worth verifying either");
        }
        List<Contact> closest = table.closest(target, 8);
        assertEquals(8, closest.size());
        for (Contact c : closest) {
            assertTrue(Bep42.isValid(c.id(), c.address().getAddress()), "only BEP 42 ids near the target: " + c);
        }
    }

    @Test
    void withoutTheRuleTheSameEightAddressesTakeAllEightClosestPlaces() throws Exception {
        // The table as the node had it before: any id from any address.
        RoutingTable table = new RoutingTable(target.randomWithSharedPrefix(20, random), MainlineConfig.MAINLINE_K);
        for (Contact c : honest(300)) {
            table.seen(c, NOW);
        }
        List<Contact> sybils = sybils();
        for (Contact s : sybils) {
            table.seen(s, NOW);
        }
        assertTrue(sybils.containsAll(table.closest(target, 8)), "what the rule is there to stop");
    }

    @Test
    void aPublicAddressWithItsBep42IdIsAdmittedAndItsIdCannotBeMovedElsewhere() throws Exception {
        RoutingTable table = mainlineTable();
        InetAddress a = ip("124.31.75.21");
        Contact valid = new Contact(Bep42.idFor(a, random), new InetSocketAddress(a, 1));
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(valid, NOW));
        // The same address under an id of its choosing, and a valid id of another address: both refused.
        InetAddress b = ip("21.75.31.124");
        assertEquals(RoutingTable.Outcome.ID_NOT_ALLOWED,
                table.seen(new Contact(target.randomWithSharedPrefix(60, random), new InetSocketAddress(b, 1)), NOW));
        assertEquals(RoutingTable.Outcome.ID_NOT_ALLOWED,
                table.seen(new Contact(Bep42.idFor(a, random), new InetSocketAddress(b, 2)), NOW));
    }

    @Test
    void loopbackAndPrivateAddressesAreExemptAsBep42Says() throws Exception {
        RoutingTable table = mainlineTable();
        for (String local : List.of("127.0.0.1", "127.0.0.2", "10.1.2.3", "192.168.1.20", "172.16.0.9")) {
            Contact c = new Contact(target.randomWithSharedPrefix(80, random), new InetSocketAddress(ip(local), 6881));
            assertFalse(Bep42.isValid(c.id(), ip("203.0.113.7")), "an id no public address would have");
            assertEquals(RoutingTable.Outcome.ADDED, table.seen(c, NOW), local);
        }
    }

    @Test
    void theStrictRuleTreatsLoopbackAsAPublicAddressForTriesOnOneHost() throws Exception {
        RoutingTable table = new RoutingTable(target.randomWithSharedPrefix(20, random), MainlineConfig.MAINLINE_K, false,
                Bep42.STRICT_ROUTING_RULE);
        InetAddress sybil = ip("127.0.0.2");
        assertEquals(RoutingTable.Outcome.ID_NOT_ALLOWED,
                table.seen(new Contact(target.randomWithSharedPrefix(120, random), new InetSocketAddress(sybil, 1)), NOW));
        InetAddress honest = ip("127.0.1.7");
        assertEquals(RoutingTable.Outcome.ADDED,
                table.seen(new Contact(Bep42.idFor(honest, random), new InetSocketAddress(honest, 1)), NOW));
    }
}
