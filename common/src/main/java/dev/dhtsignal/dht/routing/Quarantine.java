package dev.dhtsignal.dht.routing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Addresses that recently failed to answer, remembered for a while so that lookups skip them and so that
 * a peer that answers no one (a client) is not pinged again on every request it sends. Bounded: past
 * {@code capacity} the oldest entries are forgotten. Thread-safe.
 */
public final class Quarantine {
    private final Duration duration;
    private final int capacity;
    private final LinkedHashMap<InetSocketAddress, Instant> failedAt = new LinkedHashMap<>();

    public Quarantine(Duration duration, int capacity) {
        this.duration = duration;
        this.capacity = capacity;
    }

    public synchronized void add(InetSocketAddress address, Instant now) {
        failedAt.remove(address);
        failedAt.put(address, now);
        if (failedAt.size() > capacity) {
            Iterator<InetSocketAddress> oldest = failedAt.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    public synchronized void release(InetSocketAddress address) {
        failedAt.remove(address);
    }

    public synchronized boolean contains(InetSocketAddress address, Instant now) {
        Instant at = failedAt.get(address);
        if (at == null) {
            return false;
        }
        if (at.plus(duration).isAfter(now)) {
            return true;
        }
        failedAt.remove(address);
        return false;
    }

    /** Forgets entries whose time is up. */
    public synchronized void expire(Instant now) {
        for (Iterator<Map.Entry<InetSocketAddress, Instant>> it = failedAt.entrySet().iterator(); it.hasNext(); ) {
            if (!it.next().getValue().plus(duration).isAfter(now)) {
                it.remove();
            }
        }
    }

    public synchronized int size() {
        return failedAt.size();
    }
}
