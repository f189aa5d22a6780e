package dev.dhtsignal.cli;

import dev.dhtsignal.signal.exchange.PeerRuntime;
import java.lang.management.ManagementFactory;

/**
 * Times a peer program for the benchmarks ({@code --report-timing}): how long the JVM took to be ready
 * (started, WebRTC loaded, DHT joined) and how long the signaling round took after that, up to the
 * greetings. Printed as one line on standard error, with the moments (Unix milliseconds) the program's
 * main method began, WebRTC was loaded and the DHT joined, for the benchmark to set against the time it
 * launched the program.
 */
public final class Timing {
    private static volatile long mainEnteredMillis;
    private long readyMillis;
    private long webrtcMillis;
    private long dhtMillis;
    private dev.dhtsignal.signal.board.Network network;

    /** Called first thing in a program's main method. */
    public static void mainEntered() {
        mainEnteredMillis = System.currentTimeMillis();
    }

    /** Ready, on a runtime that does not say when its parts started (their moments are reported as 0). */
    public void ready() {
        readyMillis = System.currentTimeMillis();
    }

    public void ready(PeerRuntime runtime) {
        ready();
        webrtcMillis = runtime.webrtcReadyMillis();
        dhtMillis = runtime.dhtJoinedMillis();
        network = runtime.network();
    }

    /** "timing: ready-ms=812 round-ms=143 main-at=... webrtc-at=... dht-at=...", measured now. */
    public String report() {
        long now = System.currentTimeMillis();
        // Asked only now: the management classes cost start-up time the programs need not pay.
        long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        return "timing: ready-ms=" + (readyMillis - jvmStartMillis) + " round-ms=" + (now - readyMillis)
                + " main-at=" + mainEnteredMillis + " webrtc-at=" + webrtcMillis + " dht-at=" + dhtMillis
                + (network instanceof dev.dhtsignal.signal.board.MainlineNetwork m ? " " + m.node().itemActivity().line() : "");
    }
}
