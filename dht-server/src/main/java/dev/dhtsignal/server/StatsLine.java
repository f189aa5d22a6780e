package dev.dhtsignal.server;

import dev.dhtsignal.dht.kademlia.NodeStats;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.stun.StunDrop;
import dev.dhtsignal.dht.stun.StunStats;
import java.util.function.Supplier;

/** Formats the periodic {@code --stats} line: state now, and request rate since the previous line. */
final class StatsLine {
    private final Supplier<NodeStats> source;
    private NodeStats previous;
    private long previousNanos;

    StatsLine(Supplier<NodeStats> source) {
        this.source = source;
        this.previous = source.get();
        this.previousNanos = System.nanoTime();
    }

    synchronized String next() {
        NodeStats now = source.get();
        long nanos = System.nanoTime();
        double seconds = Math.max(1e-9, (nanos - previousNanos) / 1e9);
        double rate = (now.requestsServed() - previous.requestsServed()) / seconds;
        previous = now;
        previousNanos = nanos;
        return format(now, rate);
    }

    static String format(NodeStats s, double requestsPerSecond) {
        StringBuilder sb = new StringBuilder("stats: contacts=").append(s.contacts())
                .append(" keys=").append(s.storedKeys())
                .append(" bytes=").append(s.storedBytes())
                .append(" requests/s=").append(String.format(java.util.Locale.ROOT, "%.1f", requestsPerSecond))
                .append(" served=").append(s.requestsServed())
                .append(" rpcs-in-flight=").append(s.rpcsInFlight())
                .append(" dropped=").append(s.droppedTotal());
        if (!s.dropped().isEmpty()) {
            sb.append(" (");
            boolean first = true;
            for (DropReason r : DropReason.values()) {
                Long n = s.dropped().get(r);
                if (n != null) {
                    sb.append(first ? "" : ", ").append(r.label()).append('=').append(n);
                    first = false;
                }
            }
            sb.append(')');
        }
        return sb.append(stun(s.stun())).toString();
    }

    /** STUN's part of a stats line: {@code  stun: answered=N refused=N dropped=N (reason=N, ...)}, or nothing when off. */
    static String stun(StunStats s) {
        if (!s.enabled()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" stun: answered=").append(s.answered())
                .append(" refused=").append(s.refused())
                .append(" dropped=").append(s.droppedTotal());
        if (!s.dropped().isEmpty()) {
            sb.append(" (");
            boolean first = true;
            for (StunDrop r : StunDrop.values()) {
                Long n = s.dropped().get(r);
                if (n != null) {
                    sb.append(first ? "" : ", ").append(r.label()).append('=').append(n);
                    first = false;
                }
            }
            sb.append(')');
        }
        return sb.toString();
    }
}
