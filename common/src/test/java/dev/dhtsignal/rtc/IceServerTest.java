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
    void rtcConfigDefaultsToHostCandidatesAndTenSeconds() {
        RtcConfig defaults = RtcConfig.defaults();
        assertTrue(defaults.iceServers().isEmpty());
        assertEquals(Duration.ofSeconds(10), defaults.iceGatheringTimeout());
        assertThrows(IllegalArgumentException.class, () -> new RtcConfig(List.of(), Duration.ZERO));
    }
}
