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

    /**
     * The printed command names a --bootstrap node on this machine (a local dht-server --network mainline)
     * by this machine's address, as it names the --dht node: 127.0.0.1 would be the other machine itself.
     */
    @Test
    void aBootstrapNodeOnThisMachineIsPrintedForTheOtherMachineAtThisMachinesAddress() {
        java.net.InetSocketAddress local = new java.net.InetSocketAddress("127.0.0.1", 23460);
        java.util.Optional<String> machine = ReachableAddress.of(local);
        org.junit.jupiter.api.Assumptions.assumeTrue(machine.isPresent(), "this machine has no address but loopback");
        PeerOptions options = new PeerOptions();
        new picocli.CommandLine(options).parseArgs("--network", "mainline", "--bootstrap", "127.0.0.1:23460",
                "--bootstrap", "198.18.0.5:6881", "--bootstrap", "localhost:23461");
        String host = machine.get().substring(0, machine.get().lastIndexOf(':'));
        assertEquals(" --network mainline --bootstrap " + machine.get() + " --bootstrap 198.18.0.5:6881 --bootstrap "
                + host + ":23461", options.networkArguments());
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

    /** The STUN servers used without being given: the node's on both networks, public ones on Mainline; none with --no-default-stun. */
    @Test
    void noDefaultStunTurnsOffTheNodesStunServerAndThePublicOnes() {
        record Parsed(PeerOptions options, dev.dhtsignal.signal.board.NetworkSettings network) {
        }
        java.util.function.Function<String[], Parsed> parse = args -> {
            PeerOptions options = new PeerOptions();
            new picocli.CommandLine(options).parseArgs(args);
            return new Parsed(options, options.network("test", "K7QX-M2PD-9RTA"));
        };
        Parsed kademlia = parse.apply(new String[] {"--dht", "127.0.0.1:8468"});
        assertEquals(new dev.dhtsignal.signal.exchange.IceDefaults(true, List.of()),
                kademlia.options().signaling("hi", kademlia.network()).iceDefaults());
        Parsed mainline = parse.apply(new String[] {"--network", "mainline", "--bootstrap", "127.0.0.1:6881"});
        assertEquals(dev.dhtsignal.signal.exchange.IceDefaults.PUBLIC_STUN,
                mainline.options().signaling("hi", mainline.network()).iceDefaults().fallback());
        for (String[] args : List.of(new String[] {"--no-default-stun"},
                new String[] {"--network", "mainline", "--bootstrap", "127.0.0.1:6881", "--no-default-stun"})) {
            Parsed p = parse.apply(args);
            assertEquals(dev.dhtsignal.signal.exchange.IceDefaults.NONE, p.options().signaling("hi", p.network()).iceDefaults());
        }
        // A node can be asked through --dht, or a --bootstrap given: relay-only ICE waits for what it offers.
        Parsed relay = parse.apply(new String[] {"--ice-transport", "relay"});
        assertEquals(dev.dhtsignal.rtc.IceTransport.RELAY, relay.options().signaling("hi", relay.network()).iceTransport());
    }
}
