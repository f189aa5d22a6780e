package dev.dhtsignal.dht.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Shares per address and per network, and room taken from the heaviest network's oldest entry first. */
class SourceLedgerTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void anAddressAndANetworkAreHeldToTheirShares() throws Exception {
        SourceLedger<String> ledger = new SourceLedger<>(new SourceQuotas(100, 3, 5));
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), ledger.refusal("a" + i, ip("203.0.113.1")));
            ledger.hold("a" + i, ip("203.0.113.1"));
        }
        assertEquals(Optional.of(SourceLedger.Refusal.ADDRESS_QUOTA), ledger.refusal("a3", ip("203.0.113.1")));
        assertEquals(Optional.empty(), ledger.refusal("a0", ip("203.0.113.1")), "what it holds it may write again");
        ledger.hold("b0", ip("203.0.113.2"));
        ledger.hold("b1", ip("203.0.113.2"));
        assertEquals(Optional.of(SourceLedger.Refusal.PREFIX_QUOTA), ledger.refusal("c0", ip("203.0.113.3")),
                "the /24 holds 5");
        assertEquals(Optional.empty(), ledger.refusal("c0", ip("203.0.114.3")), "another /24");
        // IPv6: the /64 is the network.
        ledger.hold("d0", ip("2001:db8:0:1::1"));
        ledger.hold("d1", ip("2001:db8:0:1::2"));
        assertEquals(2, ledger.heldByNetworkOf(ip("2001:db8:0:1::ffff")));
        ledger.release("a0");
        assertEquals(2, ledger.heldBy(ip("203.0.113.1")));
        assertEquals(Optional.empty(), ledger.refusal("c0", ip("203.0.113.3")), "room again in the /24");
    }

    @Test
    void whenFullTheHeaviestNetworkGivesUpItsOldestEntry() throws Exception {
        SourceLedger<String> ledger = new SourceLedger<>(new SourceQuotas(6, 6, 6));
        ledger.hold("honest", ip("198.51.100.7"));
        ledger.hold("x1", ip("203.0.113.1"));
        ledger.hold("y1", ip("203.0.114.1"));
        ledger.hold("x2", ip("203.0.113.2"));
        ledger.hold("x3", ip("203.0.113.1"));
        ledger.hold("y2", ip("203.0.114.1"));
        assertEquals(6, ledger.size());
        assertEquals(Optional.of("x1"), ledger.heaviestOldest(), "203.0.113/24 holds 3");
        ledger.release("x1");
        ledger.hold("z1", ip("192.0.2.1"));
        // 203.0.113/24 and 203.0.114/24 hold 2 each: the one that came first gives way first.
        assertEquals(Optional.of("x2"), ledger.heaviestOldest());
        ledger.hold("x2", ip("203.0.113.2"));  // written again: now that network's newest
        assertEquals(Optional.of("x3"), ledger.heaviestOldest());
    }
}
