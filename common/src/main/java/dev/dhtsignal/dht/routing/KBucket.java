package dev.dhtsignal.dht.routing;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Up to k contacts that share the same number of leading bits with our own id, least recently seen
 * first, plus a cache of up to k more that arrived while it was full and step in when one fails.
 * Not thread-safe; {@link RoutingTable} guards it.
 */
final class KBucket {
    /** A contact, when it last answered us, and how many RPCs to it have failed since. */
    static final class Entry {
        final Contact contact;
        Instant lastSeen;
        int failures;

        Entry(Contact contact, Instant lastSeen) {
            this.contact = contact;
            this.lastSeen = lastSeen;
        }
    }

    private final int capacity;
    private final LinkedHashMap<NodeId, Entry> live = new LinkedHashMap<>();
    private final LinkedHashMap<NodeId, Entry> replacements = new LinkedHashMap<>();
    Instant lastLookup = Instant.EPOCH;

    KBucket(int capacity) {
        this.capacity = capacity;
    }

    Entry get(NodeId id) {
        return live.get(id);
    }

    /** Inserts or refreshes; returns what happened. */
    RoutingTable.Outcome seen(Contact contact, Instant now) {
        Entry existing = live.get(contact.id());
        if (existing != null) {
            if (!existing.contact.address().equals(contact.address())) {
                // Keep the address that has been answering; a new one for the same id may be an impostor.
                // If the old one stops answering it is dropped and the new one can come in.
                return RoutingTable.Outcome.ADDRESS_CONFLICT;
            }
            live.remove(contact.id());
            existing.lastSeen = now;
            existing.failures = 0;
            live.put(contact.id(), existing);
            return RoutingTable.Outcome.REFRESHED;
        }
        if (live.size() < capacity) {
            replacements.remove(contact.id());
            live.put(contact.id(), new Entry(contact, now));
            return RoutingTable.Outcome.ADDED;
        }
        replacements.remove(contact.id());
        replacements.put(contact.id(), new Entry(contact, now));
        if (replacements.size() > capacity) {
            Iterator<NodeId> oldest = replacements.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return RoutingTable.Outcome.CACHED;
    }

    /**
     * Counts a failed RPC; at {@code maxFailures} in a row the contact is removed (see {@link #remove}).
     * Returns whether it was removed.
     */
    boolean failed(Contact contact, int maxFailures) {
        Entry existing = live.get(contact.id());
        if (existing != null && existing.contact.address().equals(contact.address())
                && ++existing.failures < maxFailures) {
            return false;
        }
        return remove(contact);
    }

    /** Drops a contact and lets the most recently seen replacement take its place. */
    boolean remove(Contact contact) {
        Entry existing = live.get(contact.id());
        if (existing == null || !existing.contact.address().equals(contact.address())) {
            Entry cached = replacements.get(contact.id());
            if (cached != null && cached.contact.address().equals(contact.address())) {
                replacements.remove(contact.id());
            }
            return false;
        }
        live.remove(contact.id());
        if (!replacements.isEmpty()) {
            NodeId newest = null;
            for (NodeId id : replacements.keySet()) {
                newest = id;
            }
            Entry promoted = replacements.remove(newest);
            live.put(newest, promoted);
        }
        return true;
    }

    /** Whether the contact is here, in the bucket or its replacement cache, at this address. */
    boolean knows(Contact contact) {
        Entry e = live.get(contact.id());
        if (e == null) {
            e = replacements.get(contact.id());
        }
        return e != null && e.contact.address().equals(contact.address());
    }

    /** The least recently seen live contact, the one to question when the bucket is full. */
    Entry leastRecentlySeen() {
        Iterator<Entry> it = live.values().iterator();
        return it.hasNext() ? it.next() : null;
    }

    boolean isFull() {
        return live.size() >= capacity;
    }

    int size() {
        return live.size();
    }

    Iterable<Entry> entries() {
        return live.values();
    }

    /** Live contacts and those waiting in the replacement cache. */
    List<Contact> contactsAndReplacements() {
        List<Contact> out = contacts();
        for (Entry e : replacements.values()) {
            out.add(e.contact);
        }
        return out;
    }

    List<Contact> contacts() {
        List<Contact> out = new ArrayList<>(live.size());
        for (Entry e : live.values()) {
            out.add(e.contact);
        }
        return out;
    }
}
