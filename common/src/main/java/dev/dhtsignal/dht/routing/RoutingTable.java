package dev.dhtsignal.dht.routing;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Kademlia's routing table: 160 buckets, bucket i holding contacts whose ids share exactly i leading
 * bits with ours, each at most k. Only contacts that have answered one of our RPCs are ever added, so
 * the table never hands out an address that merely sent us something: a peer that only uses the DHT
 * (and answers no one) never becomes anyone's contact. A contact is removed after
 * {@value #MAX_FAILURES} failed RPCs in a row: one lost or late reply on a busy network is not enough
 * to forget a good contact (the original drops it at once).
 *
 * <p>Limits on Sybils, as mldht keeps them: at most one contact per public IP address (per /64 for
 * IPv6), so one host cannot fill a key's neighbourhood with ids of its choosing; several contacts on one
 * loopback or private address (a test network, nodes on one LAN host) are told apart by port. And an
 * address:port keeps the id it first answered with: another id there is not trusted until the first
 * has failed and left. Thread-safe.
 */
public final class RoutingTable {
    /** What {@link #seen} did with a contact. */
    public enum Outcome {
        /** New, and placed in its bucket. */
        ADDED,
        /** Already there; its last-seen time moved on. */
        REFRESHED,
        /** Its bucket is full; it waits in the bucket's replacement cache. */
        CACHED,
        /** Its id is known at another address that still answers; ignored. */
        ADDRESS_CONFLICT,
        /** Its address:port is known with another id that still answers; not trusted, ignored. */
        ID_CONFLICT,
        /** Another contact already has its public IP address (or IPv6 /64); ignored. */
        IP_TAKEN,
        /** Its id is not one a node at its address may have (the table's {@link IdRule}); ignored. */
        ID_NOT_ALLOWED
    }

    /**
     * Which ids a node at an address may have, checked before a contact is admitted: on the Mainline DHT,
     * BEP 42 ties the id to the public IP address, so that nobody picks ids next to a key they want to
     * surround. A network without such a rule allows every id.
     */
    @FunctionalInterface
    public interface IdRule {
        IdRule ANY = (id, address) -> true;

        boolean allows(NodeId id, java.net.InetAddress address);
    }

    /** Failed RPCs in a row after which a contact is removed. */
    public static final int MAX_FAILURES = 2;

    private final NodeId self;
    private final int k;
    private final KBucket[] buckets = new KBucket[NodeId.BITS];
    /**
     * Every live contact, rebuilt after a contact is added or removed (rare) so that answering find_node,
     * which happens on every request for a key we lack, reads one array instead of 160 buckets.
     */
    private volatile Contact[] snapshot = new Contact[0];
    private boolean snapshotStale;
    /**
     * Who holds each address:port, and each IP address (IPv6: /64) limited to one contact, in the buckets
     * or their replacement caches. Entries of contacts that have since left are stale: each use checks that the
     * holder is still there, and the maps are rebuilt when they grow past {@link #indexLimit()}.
     */
    private final Map<InetSocketAddress, Contact> byAddress = new HashMap<>();
    private final Map<IpPrefix, Contact> byIp = new HashMap<>();

    private final boolean oneContactPerIpEverywhere;
    private final IdRule idRule;

    public RoutingTable(NodeId self, int k) {
        this(self, k, false);
    }

    /**
     * @param oneContactPerIpEverywhere one contact per IP address on loopback and private addresses too
     *                                  (else only on public ones)
     */
    public RoutingTable(NodeId self, int k, boolean oneContactPerIpEverywhere) {
        this(self, k, oneContactPerIpEverywhere, IdRule.ANY);
    }

    /** @param idRule which ids a contact at a given address may have; others are never admitted */
    public RoutingTable(NodeId self, int k, boolean oneContactPerIpEverywhere, IdRule idRule) {
        this.self = self;
        this.k = k;
        this.oneContactPerIpEverywhere = oneContactPerIpEverywhere;
        this.idRule = idRule;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new KBucket(k);
        }
    }

    public NodeId self() {
        return self;
    }

    public int k() {
        return k;
    }

    private KBucket bucketFor(NodeId id) {
        return buckets[Math.min(self.sharedPrefixBits(id), NodeId.BITS - 1)];
    }

    /** Records that a contact answered us. Our own id is never added. */
    public synchronized Outcome seen(Contact contact, Instant now) {
        if (contact.id().equals(self)) {
            return Outcome.ADDRESS_CONFLICT;
        }
        KBucket bucket = bucketFor(contact.id());
        boolean isNew = !bucket.knows(contact);
        if (isNew) {
            Outcome refused = refusal(contact);
            if (refused != null) {
                return refused;
            }
        }
        Outcome outcome = bucket.seen(contact, now);
        if (outcome == Outcome.ADDED) {
            snapshotStale = true;
        }
        if (isNew && (outcome == Outcome.ADDED || outcome == Outcome.CACHED)) {
            index(contact);
        }
        return outcome;
    }

    /**
     * Whether {@code contact}, not in the table yet, would be refused were it to answer: its address:port
     * is held by another id, or its IP address by another contact, or its id breaks the table's
     * {@link IdRule}. Spares verifying such a sender.
     */
    public synchronized boolean wouldRefuse(Contact contact) {
        return !bucketFor(contact.id()).knows(contact) && refusal(contact) != null;
    }

    private Outcome refusal(Contact contact) {
        if (!idRule.allows(contact.id(), contact.address().getAddress())) {
            return Outcome.ID_NOT_ALLOWED;
        }
        Contact atAddress = holder(byAddress, contact.address());
        if (atAddress != null && !atAddress.id().equals(contact.id())) {
            return Outcome.ID_CONFLICT;
        }
        IpPrefix prefix = prefixOf(contact.address().getAddress());
        if (prefix != null) {
            Contact sameIp = holder(byIp, prefix);
            if (sameIp != null && !sameIp.equals(contact)) {
                return Outcome.IP_TAKEN;
            }
        }
        return null;
    }

    /** Whether a contact (in a bucket or a bucket's cache) answers at this address:port. */
    public synchronized boolean hasContactAt(InetSocketAddress address) {
        return holder(byAddress, address) != null;
    }

    /** The contact an index names for {@code key}, if it is still in the table; stale entries are removed. */
    private <K> Contact holder(Map<K, Contact> index, K key) {
        Contact c = index.get(key);
        if (c != null && !bucketFor(c.id()).knows(c)) {
            index.remove(key);
            return null;
        }
        return c;
    }

    private void index(Contact contact) {
        if (byAddress.size() >= indexLimit()) {
            byAddress.clear();
            byIp.clear();
            for (KBucket b : buckets) {
                for (Contact c : b.contactsAndReplacements()) {
                    indexOne(c);
                }
            }
        }
        indexOne(contact);
    }

    private void indexOne(Contact c) {
        byAddress.put(c.address(), c);
        IpPrefix prefix = prefixOf(c.address().getAddress());
        if (prefix != null) {
            byIp.put(prefix, c);
        }
    }

    private IpPrefix prefixOf(java.net.InetAddress address) {
        return oneContactPerIpEverywhere ? IpPrefix.of(address) : IpPrefix.ofPublic(address);
    }

    /** Twice the most contacts the buckets and caches can hold at once, before stale entries are swept. */
    private int indexLimit() {
        return 4 * k * NodeId.BITS;
    }

    /** Counts a failed RPC to a contact; returns whether that removed it from the table. */
    public synchronized boolean failed(Contact contact) {
        boolean removed = bucketFor(contact.id()).failed(contact, MAX_FAILURES);
        if (removed) {
            snapshotStale = true;
        }
        return removed;
    }

    /** A reply came from this address after all (late): whoever is there has not failed. */
    public synchronized void answeredAt(InetSocketAddress address, Instant now) {
        for (KBucket b : buckets) {
            for (KBucket.Entry e : b.entries()) {
                if (e.contact.address().equals(address)) {
                    e.failures = 0;
                    e.lastSeen = now;
                    return;
                }
            }
        }
    }

    public synchronized boolean contains(NodeId id) {
        return bucketFor(id).get(id) != null;
    }

    /** Whether this id is in the table at exactly this address. */
    public synchronized boolean contains(Contact contact) {
        KBucket.Entry e = bucketFor(contact.id()).get(contact.id());
        return e != null && e.contact.address().equals(contact.address());
    }

    /**
     * Whether this contact has been verified and is kept, in its bucket or (bucket full) in the
     * bucket's replacement cache: either way there is no need to verify it again.
     */
    public synchronized boolean knows(Contact contact) {
        return !contact.id().equals(self) && bucketFor(contact.id()).knows(contact);
    }

    public synchronized Optional<Contact> get(NodeId id) {
        KBucket.Entry e = bucketFor(id).get(id);
        return e == null ? Optional.empty() : Optional.of(e.contact);
    }

    /**
     * The contact to question when {@code newcomer}'s bucket is full: its least recently seen member,
     * if that one has been silent for longer than {@code quietFor}.
     */
    public synchronized Optional<Contact> questionableIn(NodeId newcomer, Instant now, Duration quietFor) {
        KBucket b = bucketFor(newcomer);
        if (!b.isFull()) {
            return Optional.empty();
        }
        KBucket.Entry oldest = b.leastRecentlySeen();
        return oldest != null && oldest.lastSeen.plus(quietFor).isBefore(now)
                ? Optional.of(oldest.contact) : Optional.empty();
    }

    /** The up to {@code n} known contacts closest to {@code target}, closest first, skipping {@code exclude}. */
    public List<Contact> closest(NodeId target, int n, InetSocketAddress exclude) {
        Contact[] all = currentSnapshot().clone();
        java.util.Arrays.sort(all, (a, b) -> target.compareDistances(a.id(), b.id()));
        List<Contact> out = new ArrayList<>(Math.min(n, all.length));
        for (int i = 0; i < all.length && out.size() < n; i++) {
            if (exclude == null || !all[i].address().equals(exclude)) {
                out.add(all[i]);
            }
        }
        return out;
    }

    private Contact[] currentSnapshot() {
        synchronized (this) {
            if (snapshotStale) {
                snapshot = all().toArray(Contact[]::new);
                snapshotStale = false;
            }
        }
        return snapshot;
    }

    public List<Contact> closest(NodeId target, int n) {
        return closest(target, n, null);
    }

    public synchronized List<Contact> all() {
        List<Contact> out = new ArrayList<>();
        for (KBucket b : buckets) {
            out.addAll(b.contacts());
        }
        return out;
    }

    public synchronized int size() {
        int n = 0;
        for (KBucket b : buckets) {
            n += b.size();
        }
        return n;
    }

    /** Contacts silent for longer than {@code quietFor}, oldest first, at most {@code max}: to be pinged. */
    public synchronized List<Contact> quietContacts(Instant now, Duration quietFor, int max) {
        List<KBucket.Entry> quiet = new ArrayList<>();
        Instant cutoff = now.minus(quietFor);
        for (KBucket b : buckets) {
            for (KBucket.Entry e : b.entries()) {
                if (e.lastSeen.isBefore(cutoff)) {
                    quiet.add(e);
                }
            }
        }
        quiet.sort(Comparator.comparing(e -> e.lastSeen));
        List<Contact> out = new ArrayList<>();
        for (int i = 0; i < quiet.size() && i < max; i++) {
            out.add(quiet.get(i).contact);
        }
        return out;
    }

    /** Marks the bucket that {@code target} falls in as recently looked up. */
    public synchronized void lookedUp(NodeId target, Instant now) {
        bucketFor(target).lastLookup = now;
    }

    /**
     * Random ids to look up, one for each bucket that has not seen a lookup for {@code interval}, up to
     * one past the deepest non-empty bucket (deeper ones cannot hold anyone yet). This is how the table
     * keeps learning about parts of the id space it otherwise would not visit.
     */
    public synchronized List<NodeId> refreshTargets(Instant now, Duration interval, Random random) {
        int deepest = -1;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i].size() > 0) {
                deepest = i;
            }
        }
        List<NodeId> targets = new ArrayList<>();
        for (int i = 0; i <= Math.min(deepest + 1, NodeId.BITS - 1); i++) {
            if (buckets[i].lastLookup.plus(interval).isBefore(now)) {
                targets.add(self.randomWithSharedPrefix(i, random));
            }
        }
        return targets;
    }
}
