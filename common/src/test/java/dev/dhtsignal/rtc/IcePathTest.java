package dev.dhtsignal.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How a connection's path is named in the "connected in" line. */
class IcePathTest {
    private static IcePath path(String localType, String localAddress, String remoteType, String remoteAddress) {
        return new IcePath(new IcePath.End(localType, "udp", localAddress, 5000),
                new IcePath.End(remoteType, "udp", remoteAddress, 6000), null);
    }

    @Test
    void aPairOnOneMachineIsDirectWhateverKindOfCandidateNamedIt() {
        // A check that arrives before the candidate's description makes a peer-reflexive end; no NAT is crossed.
        assertEquals("direct", path("prflx", "192.0.2.2", "host", "192.0.2.2").kind());
        assertEquals("direct", path("host", "fd00::2", "prflx", "fd00::2").kind());
        assertEquals("direct", path("host", "192.0.2.2", "host", "192.0.2.3").kind());
        assertEquals("through NAT", path("srflx", "198.18.0.21", "srflx", "198.18.0.22").kind());
        assertEquals("through NAT", path("srflx", "198.18.0.12", "srflx", "198.18.0.12").kind(),
                "two machines behind one NAT, meeting through it");
        assertEquals("through NAT", path("prflx", "198.18.0.31", "host", "198.18.0.13").kind());
        assertEquals("relayed through TURN", path("relay", "198.18.0.10", "relay", "198.18.0.10").kind());
    }
}
