package dev.dhtsignal.dht.mainline;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What one of our endpoints sends to each node, counted in a sliding window, and held under the flood limit
 * that nodes enforce: libtorrent's default blocks a sender of more than 50 packets in 10 s (5 a second) for
 * five minutes, and a blocked peer meets silence from the very nodes that hold its items. Every query of a
 * node passes {@link #admit}: one that would be the 51st to that node within 10 s is not sent. Polls ask
 * {@link #busy} first and leave a node near the limit out, so that puts and lookups still have room.
 *
 * <p>It also records the most packets sent to one node within any window ({@link #stats}), which tests and
 * the benchmark assert on. Thread-safe; memory is bounded by the nodes sent to within the last window.
 */
public final class FloodLimit {
    /** libtorrent's {@code dht_block_ratelimit} (5 a second) over its 10-second window. */
    public static final int PACKETS = 50;
    public static final Duration WINDOW = Duration.ofSeconds(10);
    /** Above this a poll leaves the node out: room stays for the puts and lookups that matter more. */
    static final int POLL_CEILING = 36;
    /** Destinations kept at most; beyond it the quiet ones are forgotten (a lookup meets many nodes once). */
    private static final int TRACKED = 4096;

    private final LongSupplier nanos;
    private final long windowNanos = WINDOW.toNanos();
    private final Map<InetSocketAddress, ArrayDeque<Long>> sent = new HashMap<>();
    private int most;
    private long heldBack;

    /** What was sent: the most packets to one node within one window, and the queries not sent. */
    public record Stats(int mostToOneNode, long heldBack) {
    }

    public FloodLimit(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Counts a packet to {@code to} and returns true, or returns false (and sends nothing) at the limit. */
    public synchronized boolean admit(InetSocketAddress to) {
        long now = nanos.getAsLong();
        ArrayDeque<Long> times = window(to, now);
        if (times.size() >= PACKETS) {
            heldBack++;
            return false;
        }
        times.addLast(now);
        most = Math.max(most, times.size());
        return true;
    }

    /** Whether a poll should leave this node out: it has had most of its window's share already. */
    public synchronized boolean busy(InetSocketAddress to) {
        return window(to, nanos.getAsLong()).size() >= POLL_CEILING;
    }

    /** Packets sent to {@code to} within the current window. */
    public synchronized int inWindow(InetSocketAddress to) {
        return window(to, nanos.getAsLong()).size();
    }

    public synchronized Stats stats() {
        return new Stats(most, heldBack);
    }

    private ArrayDeque<Long> window(InetSocketAddress to, long now) {
        ArrayDeque<Long> times = sent.get(to);
        if (times == null) {
            if (sent.size() >= TRACKED) {
                forgetQuiet(now);
            }
            times = new ArrayDeque<>();
            sent.put(to, times);
        }
        while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
            times.removeFirst();
        }
        return times;
    }

    private void forgetQuiet(long now) {
        for (Iterator<ArrayDeque<Long>> it = sent.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Long> times = it.next();
            if (times.isEmpty() || now - times.peekLast() >= windowNanos) {
                it.remove();
            }
        }
    }
}
