package dev.dhtsignal.cli;

import java.lang.management.ManagementFactory;

/**
 * Times a peer program for the benchmarks ({@code --report-timing}): how long the JVM took to be ready
 * (started, WebRTC loaded, DHT joined) and how long the signaling round took after that, up to the
 * greetings. Printed as one line on standard error.
 */
public final class Timing {
    private final long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
    private long readyMillis;

    public void ready() {
        readyMillis = System.currentTimeMillis();
    }

    /** "timing: ready-ms=812 round-ms=143", measured now. */
    public String report() {
        long now = System.currentTimeMillis();
        return "timing: ready-ms=" + (readyMillis - jvmStartMillis) + " round-ms=" + (now - readyMillis);
    }
}
