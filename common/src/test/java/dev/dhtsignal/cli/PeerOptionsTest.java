package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PeerOptionsTest {
    @Test
    void iceServersComeFromTheEnvironmentOnlyWhenNoneAreGivenAsOptions() {
        String env = "  stun:198.18.0.1:3478\tturn:198.18.0.1:3478,username=u,credential=p \n";
        assertEquals(List.of("stun:198.18.0.1:3478", "turn:198.18.0.1:3478,username=u,credential=p"),
                PeerOptions.iceServerSpecs(List.of(), env));
        assertEquals(List.of("stun:198.18.0.2"), PeerOptions.iceServerSpecs(List.of("stun:198.18.0.2"), env));
        assertEquals(List.of(), PeerOptions.iceServerSpecs(List.of(), "  "));
        assertEquals(List.of(), PeerOptions.iceServerSpecs(List.of(), null));
    }

    /** What an offerer writes lives as long as it waits, and readers believe no lifetime over 10 min and the allowance. */
    @Test
    void anOffererWaitsAtMostTenMinutes() {
        PeerOptions options = new PeerOptions();
        options.timeout = java.time.Duration.ofMinutes(10);
        options.requireOffererTimeoutWithinLimit();
        options.timeout = null;  // the default
        options.requireOffererTimeoutWithinLimit();
        options.timeout = java.time.Duration.ofMinutes(11);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, options::requireOffererTimeoutWithinLimit);
        assertTrue(tooLong.getMessage().startsWith("--timeout 11m is too long: an offerer waits at most 10m"), tooLong.getMessage());
    }
}
