package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values that expired here lately, by key, so that a store of the same value is refused instead of
 * starting it a new life. Without this, two nodes whose copies expire at different times (one got its
 * copy later, from the other's republish) hand the value back and forth for ever, and nodes of the
 * original network, which restart a value's life on every store, keep every value alive.
 *
 * <p>An expired value is remembered for one lifetime after it expired, and for one lifetime after each
 * refused store of it: as long as somebody keeps pushing it, it stays refused. A store of a different
 * value under the key is a new value and forgets the old one. At most {@code capacity} values are
 * remembered, the oldest forgotten first. Not thread-safe: the store's lock guards it.
 */
final class ExpiredValues {
    /** Only a digest of the value is kept, not the value: memory for this is counted per entry. */
    private record Expired(long digest, long forgetAtMillis) {
    }

    private final int capacity;
    /** In the order they were (re)remembered, which is the order of their forget times for a fixed ttl. */
    private final Map<NodeId, Expired> byKey = new LinkedHashMap<>();

    ExpiredValues(int capacity) {
        this.capacity = capacity;
    }

    /** Remembers that {@code value} expired under {@code key}, until {@code now + keepFor}. */
    void remember(NodeId key, DhtValue value, Instant now, Duration keepFor) {
        byKey.remove(key);
        byKey.put(key, new Expired(digest(value), now.plus(keepFor).toEpochMilli()));
        if (byKey.size() > capacity) {
            Iterator<NodeId> oldest = byKey.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /**
     * Whether a store of {@code value} under {@code key} brings back a value that expired here: then it is
     * remembered for {@code keepFor} more. A different value makes the key's old one forgotten.
     */
    boolean refuses(NodeId key, DhtValue value, Instant now, Duration keepFor) {
        Expired e = byKey.get(key);
        if (e == null) {
            return false;
        }
        if (now.toEpochMilli() >= e.forgetAtMillis() || e.digest() != digest(value)) {
            byKey.remove(key);
            return false;
        }
        byKey.remove(key);
        byKey.put(key, new Expired(e.digest(), now.plus(keepFor).toEpochMilli()));
        return true;
    }

    /** Forgets what was remembered under {@code key} (a new value was stored). */
    void forget(NodeId key) {
        byKey.remove(key);
    }

    /** Forgets the values whose time has come. */
    void expire(Instant now) {
        long nowMillis = now.toEpochMilli();
        // Oldest first; a value remembered later can be due earlier only with a shorter lifetime (an empty
        // value), and it is then forgotten a little late, which only keeps it refused a little longer.
        for (Iterator<Expired> it = byKey.values().iterator(); it.hasNext(); ) {
            if (it.next().forgetAtMillis() > nowMillis) {
                break;
            }
            it.remove();
        }
    }

    int size() {
        return byKey.size();
    }

    /** 64 bits of the value's SHA-256: strangers choose values, so a plain hash code could be made to collide. */
    private static long digest(DhtValue value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return ByteBuffer.wrap(sha.digest(value.encoded())).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }
}
