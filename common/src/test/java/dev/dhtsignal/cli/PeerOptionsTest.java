package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
