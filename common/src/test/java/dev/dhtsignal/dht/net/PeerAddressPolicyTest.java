package dev.dhtsignal.dht.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerAddressPolicyTest {
    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void addressesAreSortedByWhereTheyCanBeReachedFrom() throws Exception {
        Map<String, AddressScope> expected = Map.ofEntries(
                Map.entry("0.0.0.0", AddressScope.UNUSABLE), Map.entry("0.1.2.3", AddressScope.UNUSABLE),
                Map.entry("::", AddressScope.UNUSABLE), Map.entry("224.0.0.1", AddressScope.UNUSABLE),
                Map.entry("239.255.255.250", AddressScope.UNUSABLE), Map.entry("ff02::1", AddressScope.UNUSABLE),
                Map.entry("255.255.255.255", AddressScope.UNUSABLE), Map.entry("240.0.0.1", AddressScope.UNUSABLE),
                Map.entry("127.0.0.1", AddressScope.LOOPBACK), Map.entry("127.5.6.7", AddressScope.LOOPBACK),
                Map.entry("::1", AddressScope.LOOPBACK),
                Map.entry("10.0.0.1", AddressScope.PRIVATE), Map.entry("172.16.0.1", AddressScope.PRIVATE),
                Map.entry("192.168.1.1", AddressScope.PRIVATE), Map.entry("169.254.1.1", AddressScope.PRIVATE),
                Map.entry("100.64.0.1", AddressScope.PRIVATE), Map.entry("198.18.0.1", AddressScope.PRIVATE),
                Map.entry("198.19.255.1", AddressScope.PRIVATE), Map.entry("fd00::1", AddressScope.PRIVATE),
                Map.entry("fe80::1", AddressScope.PRIVATE),
                Map.entry("8.8.8.8", AddressScope.PUBLIC), Map.entry("172.32.0.1", AddressScope.PUBLIC),
                Map.entry("198.20.0.1", AddressScope.PUBLIC), Map.entry("2001:db8::1", AddressScope.PUBLIC));
        for (Map.Entry<String, AddressScope> e : expected.entrySet()) {
            assertEquals(e.getValue(), AddressScope.of(InetAddress.getByName(e.getKey())), e.getKey());
        }
    }

    @Test
    void aNodeOnAPublicAddressContactsNoLoopbackPrivateOrUnusableAddress() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.forBindAddress(InetAddress.getByName("203.0.113.9"));
        assertTrue(policy.usable(at("198.51.100.1", 8468)));
        for (String ip : new String[] {"127.0.0.1", "10.0.0.1", "192.168.0.1", "0.0.0.0", "224.0.0.1",
                "255.255.255.255", "::1", "fd00::1"}) {
            assertFalse(policy.usable(at(ip, 8468)), ip);
        }
        assertFalse(policy.usable(at("198.51.100.1", 0)), "port 0");
    }

    @Test
    void aNodeOnLoopbackUsesLoopbackButNoPrivateAddress() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.forBindAddress(InetAddress.getLoopbackAddress());
        assertTrue(policy.usable(at("127.0.0.1", 8468)));
        assertTrue(policy.usable(at("127.0.0.2", 8468)));
        assertFalse(policy.usable(at("10.0.0.1", 8468)));
        assertFalse(policy.usable(at("0.0.0.0", 8468)));
    }

    @Test
    void loopbackComesInWithADatagramFromLoopbackOrAnAddressTheOperatorGave() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.forBindAddress(InetAddress.getByName("203.0.113.9"));
        assertFalse(policy.usable(at("127.0.0.1", 8468)));
        policy.observedSource(InetAddress.getByName("10.0.0.1"));
        assertFalse(policy.usable(at("10.0.0.1", 8468)), "a private source may be spoofed from afar");
        policy.observedSource(InetAddress.getByName("127.0.0.1"));
        assertTrue(policy.usable(at("127.0.0.1", 8468)));
        policy.allow(InetAddress.getByName("192.168.7.7"));
        assertTrue(policy.usable(at("10.0.0.1", 8468)));
        assertFalse(policy.usable(at("224.0.0.1", 8468)));
    }
}
