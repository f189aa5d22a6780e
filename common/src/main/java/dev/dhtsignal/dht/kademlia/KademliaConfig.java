package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.storage.StorageLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Everything a {@link KademliaNode} is configured with, immutable. Build one with {@link #builder()}.
 *
 * @param bindAddress where the node listens; port 0 picks a free port
 * @param k contacts per bucket and replication factor (the original's ksize, 20)
 * @param alpha lookup requests in flight at once (3)
 * @param rpcTimeout the longest we wait for any reply; measured round-trip times shorten it
 * @param rpcTimeoutFloor the shortest we ever wait, however fast replies have been
 * @param lookupLimit the longest one lookup may take in all
 * @param storage value lifetime and storage bounds
 * @param clientOnly a client uses the DHT but serves no one: it answers no request and so never becomes
 *                   anyone's routing contact (what the offerer and answerer are)
 * @param nodeId this node's id, or null for a random one
 * @param random source of the node id when none is given (seed it in tests to reproduce networks)
 * @param clock the time used for lifetimes, republishing and contact ages
 * @param republishInterval how often values held for this long are stored again across the network
 * @param refreshInterval how often buckets without a lookup are refreshed
 * @param contactQuietAfter a contact silent this long is pinged, and dropped if it does not answer
 * @param quarantine how long an address that failed to answer is skipped by lookups and verification
 * @param maintenanceInterval how often expiry and contact checks run
 * @param receiverThreads threads reading the socket
 * @param maxPendingRpcs most RPCs in flight at once; further calls fail fast
 * @param limits request rate limits
 * @param threadName prefix of this node's thread names
 * @param oneContactPerIpEverywhere one contact per IP address on loopback and private addresses too, not only
 *                                  on public ones (where it always holds): for a node that must not let one
 *                                  host of its LAN, or its own host, take a key's neighbourhood
 * @param answerStun answer STUN Binding requests on the node's port ({@link dev.dhtsignal.dht.stun.StunResponder}):
 *                   on by default; a client-only node answers nothing, STUN included
 * @param turnCredentials the TURN server whose credentials the node hands its peers ({@code ice_servers}), or
 *                        null for none
 */
public record KademliaConfig(InetSocketAddress bindAddress, int k, int alpha, Duration rpcTimeout, Duration rpcTimeoutFloor,
                        Duration lookupLimit, StorageLimits storage, boolean clientOnly, NodeId nodeId,
                        Random random, Clock clock, Duration republishInterval, Duration refreshInterval,
                        Duration contactQuietAfter, Duration quarantine, Duration maintenanceInterval,
                        int receiverThreads, int maxPendingRpcs, RateLimits limits, String threadName,
                        boolean oneContactPerIpEverywhere, boolean answerStun,
                        TurnRestCredentials turnCredentials) {
    public static final int DEFAULT_PORT = 8468;

    public KademliaConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(limits, "limits");
        requireRange(k, 1, 1000, "k (ksize)");
        requireRange(alpha, 1, 100, "alpha");
        requireRange(receiverThreads, 1, 64, "receiver threads");
        requireRange(maxPendingRpcs, 1, 10_000_000, "max pending RPCs");
        requirePositive(rpcTimeout, "rpc timeout");
        requirePositive(rpcTimeoutFloor, "rpc timeout floor");
        if (rpcTimeoutFloor.compareTo(rpcTimeout) > 0) {
            throw new IllegalArgumentException("rpc timeout floor " + rpcTimeoutFloor + " exceeds rpc timeout " + rpcTimeout);
        }
        requirePositive(lookupLimit, "lookup limit");
        requirePositive(republishInterval, "republish interval");
        requirePositive(refreshInterval, "refresh interval");
        requirePositive(contactQuietAfter, "contact quiet time");
        requirePositive(quarantine, "quarantine");
        requirePositive(maintenanceInterval, "maintenance interval");
    }

    private static void requireRange(int v, int min, int max, String what) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " must be in " + min + ".." + max + ", got " + v);
        }
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.k = k;
        b.alpha = alpha;
        b.rpcTimeout = rpcTimeout;
        b.rpcTimeoutFloor = rpcTimeoutFloor;
        b.lookupLimit = lookupLimit;
        b.storage = storage;
        b.clientOnly = clientOnly;
        b.nodeId = nodeId;
        b.random = random;
        b.clock = clock;
        b.republishInterval = republishInterval;
        b.refreshInterval = refreshInterval;
        b.contactQuietAfter = contactQuietAfter;
        b.quarantine = quarantine;
        b.maintenanceInterval = maintenanceInterval;
        b.receiverThreads = receiverThreads;
        b.maxPendingRpcs = maxPendingRpcs;
        b.limits = limits;
        b.threadName = threadName;
        b.oneContactPerIpEverywhere = oneContactPerIpEverywhere;
        b.answerStun = answerStun;
        b.turnCredentials = turnCredentials;
        return b;
    }

    /** Defaults: any address, a free port, k=20, alpha=3, 2 s RPC limit, the original's 7-day TTL. */
    public static final class Builder {
        private InetSocketAddress bindAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private int k = 20;
        private int alpha = 3;
        private Duration rpcTimeout = Duration.ofSeconds(2);
        private Duration rpcTimeoutFloor = Duration.ofMillis(250);
        private Duration lookupLimit = Duration.ofSeconds(30);
        private StorageLimits storage = StorageLimits.defaults();
        private boolean clientOnly;
        private NodeId nodeId;
        private Random random = new SecureRandom();
        private Clock clock = Clock.systemUTC();
        private Duration republishInterval = Duration.ofHours(1);
        private Duration refreshInterval = Duration.ofHours(1);
        private Duration contactQuietAfter = Duration.ofMinutes(10);
        private Duration quarantine = Duration.ofMinutes(1);
        private Duration maintenanceInterval = Duration.ofMinutes(1);
        private int receiverThreads = 1;
        private int maxPendingRpcs = 20_000;
        private RateLimits limits = RateLimits.unlimited();
        private String threadName = "dht";
        private boolean oneContactPerIpEverywhere;
        private boolean answerStun = true;
        private TurnRestCredentials turnCredentials;

        public Builder bindAddress(InetSocketAddress v) { this.bindAddress = v; return this; }
        public Builder port(int port) { this.bindAddress = new InetSocketAddress(bindAddress.getAddress(), port); return this; }
        public Builder k(int v) { this.k = v; return this; }
        public Builder alpha(int v) { this.alpha = v; return this; }
        public Builder rpcTimeout(Duration v) { this.rpcTimeout = v; return this; }
        public Builder rpcTimeoutFloor(Duration v) { this.rpcTimeoutFloor = v; return this; }
        public Builder lookupLimit(Duration v) { this.lookupLimit = v; return this; }
        public Builder storage(StorageLimits v) { this.storage = v; return this; }
        public Builder ttl(Duration v) { this.storage = storage.withTtl(v); return this; }
        public Builder clientOnly(boolean v) { this.clientOnly = v; return this; }
        public Builder nodeId(NodeId v) { this.nodeId = v; return this; }
        public Builder random(Random v) { this.random = v; return this; }
        public Builder clock(Clock v) { this.clock = v; return this; }
        public Builder republishInterval(Duration v) { this.republishInterval = v; return this; }
        public Builder refreshInterval(Duration v) { this.refreshInterval = v; return this; }
        public Builder contactQuietAfter(Duration v) { this.contactQuietAfter = v; return this; }
        public Builder quarantine(Duration v) { this.quarantine = v; return this; }
        public Builder maintenanceInterval(Duration v) { this.maintenanceInterval = v; return this; }
        public Builder receiverThreads(int v) { this.receiverThreads = v; return this; }
        public Builder maxPendingRpcs(int v) { this.maxPendingRpcs = v; return this; }
        public Builder limits(RateLimits v) { this.limits = v; return this; }
        public Builder threadName(String v) { this.threadName = v; return this; }
        public Builder oneContactPerIpEverywhere(boolean v) { this.oneContactPerIpEverywhere = v; return this; }
        public Builder answerStun(boolean v) { this.answerStun = v; return this; }
        public Builder turnCredentials(TurnRestCredentials v) { this.turnCredentials = v; return this; }

        public KademliaConfig build() {
            return new KademliaConfig(bindAddress, k, alpha, rpcTimeout, rpcTimeoutFloor, lookupLimit, storage, clientOnly,
                    nodeId, random, clock, republishInterval, refreshInterval, contactQuietAfter, quarantine,
                    maintenanceInterval, receiverThreads, maxPendingRpcs, limits, threadName, oneContactPerIpEverywhere,
                    answerStun, turnCredentials);
        }
    }
}
