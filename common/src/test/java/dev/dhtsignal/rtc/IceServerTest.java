package dev.dhtsignal.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IceServerTest {
    @Test
    void parsesStunServerWithoutCredentials() {
        IceServer server = IceServer.parse("stun:stun.example.org:3478");
        assertEquals(List.of("stun:stun.example.org:3478"), server.urls());
        assertNull(server.username());
        assertNull(server.password());
    }

    @Test
    void parsesTurnServerWithCredentials() {
        IceServer server = IceServer.parse("turn:turn.example.org:3478?transport=udp,username=alice,credential=s3cret");
        assertEquals(List.of("turn:turn.example.org:3478?transport=udp"), server.urls());
        assertEquals("alice", server.username());
        assertEquals("s3cret", server.password());
        // Neither the order of the options nor blanks around them matter.
        assertEquals(server, IceServer.parse(" turn:turn.example.org:3478?transport=udp , credential=s3cret,username=alice"));
        assertEquals(List.of("STUN:stun.example.org"), IceServer.parse("STUN:stun.example.org").urls());
    }

    @Test
    void toStringHidesTheCredential() {
        String shown = IceServer.parse("turns:turn.example.org:5349,username=alice,credential=s3cret").toString();
        assertTrue(shown.contains("turns:turn.example.org:5349"), shown);
        assertTrue(shown.contains("alice"), shown);
        assertFalse(shown.contains("s3cret"), shown);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                                                        | the URL is empty",
        "stun.example.org:3478                                     | must start with stun:, stuns:, turn: or turns:",
        "http://stun.example.org                                   | must start with stun:",
        "stun:                                                     | no host after 'stun:'",
        "turn:turn.example.org                                     | needs username=U,credential=P",
        "turn:turn.example.org,username=alice                      | username and credential must be given together",
        "turn:turn.example.org,username=alice,password=s3cret      | unknown option 'password'",
        "turn:turn.example.org,username=,credential=s3cret         | username has no value",
        "turn:turn.example.org,username=a,username=b,credential=s3cret | username given twice",
    })
    void rejectsBadSpecsNamingSpecAndProblem(String spec, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IceServer.parse(spec));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("'" + spec.replace("s3cret", "***") + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void rtcConfigDefaultsToHostCandidatesAllTypesAndFiveSeconds() {
        RtcConfig defaults = RtcConfig.defaults();
        assertTrue(defaults.iceServers().isEmpty());
        assertEquals(Duration.ofSeconds(5), defaults.iceGatheringTimeout());
        assertEquals(IceTransport.ALL, defaults.iceTransport());
        assertThrows(IllegalArgumentException.class, () -> new RtcConfig(List.of(), Duration.ZERO));
    }

    @Test
    void relayOnlyNeedsATurnServer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RtcConfig(
                List.of(IceServer.parse("stun:198.18.0.1:3478")), IceTransport.RELAY, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("needs a TURN server"), e.getMessage());
        RtcConfig relay = new RtcConfig(List.of(IceServer.parse("turn:198.18.0.1:3478,username=u,credential=p")),
                IceTransport.RELAY, Duration.ofSeconds(5));
        assertEquals(IceTransport.RELAY, relay.iceTransport());
        assertEquals(IceTransport.RELAY, IceTransport.parse("Relay"));
        assertEquals(IceTransport.ALL, IceTransport.parse("all"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> IceTransport.parse("direct"));
        assertTrue(bad.getMessage().contains("expected all or relay"), bad.getMessage());
    }

    @Test
    void serverErrorsAreToldInWordsNamingTheServerAndMatchedToItsConfiguredUrl() {
        IceServerWatch watch = new IceServerWatch(List.of(IceServer.parse("stun:198.18.0.1"),
                IceServer.parse("turn:198.18.0.1:3478,username=u,credential=p")));
        // WebRTC names a server by a URL it rebuilds, with the default port and the transport.
        String wrongPassword = watch.error("turn:198.18.0.1:3478?transport=udp", 401, "Unauthorized");
        assertTrue(wrongPassword.contains("TURN server turn:198.18.0.1:3478?transport=udp refused the username or credential"),
                wrongPassword);
        assertEquals(null, watch.error("turn:198.18.0.1:3478?transport=udp", 401, "Unauthorized"), "reported once");
        watch.candidate("stun:198.18.0.1:3478");
        assertEquals(List.of(), watch.silent(Duration.ofSeconds(5)), "both servers were heard from");
        assertTrue(watch.haveTurn());

        IceServerWatch silent = new IceServerWatch(List.of(IceServer.parse("stun:198.18.0.1:3478")));
        assertEquals(List.of("STUN server stun:198.18.0.1:3478 did not answer within 5000 ms; going on without its candidates"),
                silent.silent(Duration.ofSeconds(5)));
        assertFalse(silent.haveTurn());
    }

    @Test
    void candidateTypesAreReadFromCandidateLines() {
        String sdp = "v=0\r\na=candidate:1 1 udp 2122260223 198.19.0.2 40000 typ host generation 0\r\n"
                + "a=candidate:2 1 udp 1686052607 198.18.0.11 40000 typ srflx raddr 198.19.0.2 rport 40000\r\n"
                + "a=candidate:3 1 udp 41885439 198.18.0.10 49160 typ relay raddr 198.18.0.11 rport 40000\r\n";
        assertEquals(java.util.Set.of("host", "srflx", "relay"), IceStats.candidateTypes(sdp));
        assertEquals("prflx", IceStats.candidateType("candidate:4 1 udp 1 198.18.0.12 5 typ prflx"));
        assertEquals(null, IceStats.candidateType("a=ice-ufrag:abcd"));
    }

    @Test
    void aPathSaysWhetherItIsDirectThroughNatOrRelayed() {
        IcePath.End host = new IcePath.End("host", "udp", "198.19.0.2", 40000);
        IcePath.End srflx = new IcePath.End("srflx", "udp", "198.18.0.12", 40001);
        IcePath.End relay = new IcePath.End("relay", "udp", "198.18.0.10", 49160);
        assertEquals("direct", new IcePath(host, host, null).kind());
        assertEquals("through NAT", new IcePath(srflx, srflx, null).kind());
        assertTrue(new IcePath(relay, srflx, null).relayed());
        assertEquals("local relay udp 198.18.0.10:49160 <-> remote srflx udp 198.18.0.12:40001 (relayed through TURN, rtt 3 ms)",
                new IcePath(relay, srflx, 0.003).toString());
    }
}
