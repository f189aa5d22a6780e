package dev.dhtsignal.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One contact per public IP (IPv6 /64), many per loopback or private address, and ids that stay put. */
class SybilLimitsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Random random = new Random(3);
    private final RoutingTable table = new RoutingTable(NodeId.random(random), 20);

    private Contact contact(String ip, int port) throws Exception {
        return new Contact(NodeId.random(random), new InetSocketAddress(InetAddress.getByName(ip), port));
    }

    private void removeByFailures(Contact c) {
        for (int i = 0; i < RoutingTable.MAX_FAILURES; i++) {
            table.failed(c);
        }
        assertFalse(table.contains(c));
    }

    @Test
    void onePublicIpv4AddressHoldsOneContactWhateverItsPorts() throws Exception {
        Contact first = contact("203.0.113.5", 1000);
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(first, NOW));
        for (int port = 1001; port < 1200; port++) {
            assertEquals(RoutingTable.Outcome.IP_TAKEN, table.seen(contact("203.0.113.5", port), NOW));
        }
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(contact("203.0.113.6", 1000), NOW));
        assertEquals(RoutingTable.Outcome.REFRESHED, table.seen(first, NOW));
        assertEquals(2, table.size());

        removeByFailures(first);
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(contact("203.0.113.5", 1001), NOW),
                "once the holder has left, another node on that address may come in");
    }

    @Test
    void onePublicIpv6Slash64HoldsOneContact() throws Exception {
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(contact("2001:db8:1:2::1", 1000), NOW));
        assertEquals(RoutingTable.Outcome.IP_TAKEN, table.seen(contact("2001:db8:1:2:ffff::99", 1000), NOW));
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(contact("2001:db8:1:3::1", 1000), NOW));
    }

    @Test
    void loopbackAndPrivateAddressesHoldManyNodesToldApartByPort() throws Exception {
        for (int port = 2000; port < 2030; port++) {
            for (String ip : new String[] {"127.0.0.1", "10.1.2.3", "198.18.0.7"}) {
                RoutingTable.Outcome outcome = table.seen(contact(ip, port), NOW);
                // Kept in its bucket, or in the bucket's cache when the bucket is full: never refused.
                assertTrue(outcome == RoutingTable.Outcome.ADDED || outcome == RoutingTable.Outcome.CACHED,
                        ip + ":" + port + " " + outcome);
            }
        }
    }

    @Test
    void anOperatorMayKeepOneContactPerIpOnLoopbackAndPrivateAddressesToo() throws Exception {
        RoutingTable strict = new RoutingTable(NodeId.random(random), 20, true);
        assertEquals(RoutingTable.Outcome.ADDED, strict.seen(contact("127.0.0.2", 4000), NOW));
        assertEquals(RoutingTable.Outcome.IP_TAKEN, strict.seen(contact("127.0.0.2", 4001), NOW));
        assertEquals(RoutingTable.Outcome.ADDED, strict.seen(contact("10.0.0.2", 4000), NOW));
        assertEquals(RoutingTable.Outcome.IP_TAKEN, strict.seen(contact("10.0.0.2", 4001), NOW));
    }

    @Test
    void anotherIdAtAKnownAddressIsNotTrustedUntilTheFirstFails() throws Exception {
        Contact original = contact("127.0.0.1", 3000);
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(original, NOW));
        Contact impostor = new Contact(NodeId.random(random), original.address());
        assertEquals(RoutingTable.Outcome.ID_CONFLICT, table.seen(impostor, NOW));
        assertFalse(table.contains(impostor));
        assertTrue(table.contains(original));

        removeByFailures(original);
        assertEquals(RoutingTable.Outcome.ADDED, table.seen(impostor, NOW));
    }

    @Test
    void theLimitsHoldForContactsWaitingInAFullBucketsCache() throws Exception {
        // Ids in one bucket: all share the first bit with ours flipped, so bucket 0 fills at 20.
        RoutingTable small = new RoutingTable(NodeId.fromHex("00".repeat(20)), 2);
        Contact a = new Contact(NodeId.fromHex("80" + "00".repeat(19)), new InetSocketAddress(InetAddress.getByName("203.0.113.1"), 1));
        Contact b = new Contact(NodeId.fromHex("81" + "00".repeat(19)), new InetSocketAddress(InetAddress.getByName("203.0.113.2"), 1));
        Contact cached = new Contact(NodeId.fromHex("82" + "00".repeat(19)), new InetSocketAddress(InetAddress.getByName("203.0.113.3"), 1));
        Contact sameIpAsCached = new Contact(NodeId.fromHex("83" + "00".repeat(19)), new InetSocketAddress(InetAddress.getByName("203.0.113.3"), 2));
        assertEquals(RoutingTable.Outcome.ADDED, small.seen(a, NOW));
        assertEquals(RoutingTable.Outcome.ADDED, small.seen(b, NOW));
        assertEquals(RoutingTable.Outcome.CACHED, small.seen(cached, NOW));
        assertEquals(RoutingTable.Outcome.IP_TAKEN, small.seen(sameIpAsCached, NOW));
    }
}
