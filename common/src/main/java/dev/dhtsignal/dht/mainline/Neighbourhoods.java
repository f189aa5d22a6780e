package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What a traversal learnt about an item's target, kept for the polls and puts that follow: the k closest
 * nodes that answered (they hold the item, or will once it is put), the write token each gave, and the
 * item with the highest {@code seq} seen. A later get asks a few of these nodes directly, with that
 * {@code seq} (BEP 44: a node holding nothing newer sends no value back), and a put goes straight to them
 * with their tokens: one round trip instead of a traversal of several. A new traversal replaces the entry
 * when its nodes stop answering, when it is older than {@link #TRAVERSE_AGAIN} (nodes come and go), or
 * when its tokens are about to expire. Thread-safe; bounded.
 */
final class Neighbourhoods {
    /** A traversal this old is made again: the closest nodes change as nodes join and leave. */
    static final Duration TRAVERSE_AGAIN = Duration.ofSeconds(90);
    /**
     * A token older than this is not used: nodes accept one for 5 to 10 minutes (ours and bittorrent-dht's
     * rotate their secret every 5 minutes and accept the previous one), so this leaves a margin.
     */
    static final Duration TOKEN_LIFE = Duration.ofMinutes(4);
    private static final int TARGETS = 256;

    private final LongSupplier nanos;
    private final Map<NodeId, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<NodeId, Entry> eldest) {
            return size() > TARGETS;
        }
    };

    private static final class Entry {
        final List<Contact> closest;
        final long traversedNanos;
        final Map<Contact, byte[]> tokens = new HashMap<>();
        final Map<Contact, Long> tokenNanos = new HashMap<>();
        MutableItem best;

        Entry(List<Contact> closest, long traversedNanos) {
            this.closest = List.copyOf(closest);
            this.traversedNanos = traversedNanos;
        }
    }

    /** The nodes of a target, with the tokens still fresh enough to put with, and the newest item seen. */
    record Known(List<Contact> closest, Map<Contact, byte[]> tokens, Optional<MutableItem> best) {
    }

    Neighbourhoods(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Records a traversal's outcome: its closest nodes replace what was known of the target. */
    synchronized void traversed(NodeId target, List<Contact> closest, Map<Contact, byte[]> tokens, MutableItem best) {
        if (closest.isEmpty()) {
            entries.remove(target);
            return;
        }
        long now = nanos.getAsLong();
        Entry e = new Entry(closest, now);
        e.best = best;
        entries.put(target, e);
        tokens.forEach((c, t) -> token(e, c, t, now));
    }

    /** Records what a direct get or put learnt: a fresh token, a newer item. */
    synchronized void heard(NodeId target, Contact from, byte[] token, MutableItem item) {
        Entry e = entries.get(target);
        if (e == null) {
            return;
        }
        if (token != null) {
            token(e, from, token, nanos.getAsLong());
        }
        e.best = newer(e.best, item);
    }

    /** Records the item we stored: the next direct get asks with its seq. */
    synchronized void stored(NodeId target, MutableItem item) {
        Entry e = entries.get(target);
        if (e != null) {
            e.best = newer(e.best, item);
        }
    }

    /** Forgets a target whose nodes stopped answering: the next get traverses again. */
    synchronized void forget(NodeId target) {
        entries.remove(target);
    }

    /** What is known of the target, if a traversal found its nodes recently enough to go to them directly. */
    synchronized Optional<Known> known(NodeId target) {
        Entry e = entries.get(target);
        long now = nanos.getAsLong();
        // A traversal that ended on fewer nodes than a poll asks (a node holding the item sends no closer
        // nodes, so a lookup can stop at the first) is no neighbourhood to rely on: the next get traverses.
        if (e == null || now - e.traversedNanos > TRAVERSE_AGAIN.toNanos() || e.closest.size() < ItemLookups.POLL_WIDTH) {
            return Optional.empty();
        }
        Map<Contact, byte[]> fresh = new HashMap<>();
        e.tokens.forEach((c, t) -> {
            if (now - e.tokenNanos.get(c) <= TOKEN_LIFE.toNanos()) {
                fresh.put(c, t);
            }
        });
        return Optional.of(new Known(new ArrayList<>(e.closest), fresh, Optional.ofNullable(e.best)));
    }

    private static void token(Entry e, Contact c, byte[] token, long now) {
        if (e.closest.contains(c)) {
            e.tokens.put(c, token.clone());
            e.tokenNanos.put(c, now);
        }
    }

    private static MutableItem newer(MutableItem a, MutableItem b) {
        if (a == null) {
            return b;
        }
        return b == null || a.seq() >= b.seq() ? a : b;
    }
}
