package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.stun.StunStats;
import java.util.Map;

/**
 * A snapshot of a node's state and traffic counters since it started.
 *
 * @param contacts routing contacts
 * @param storedKeys values held
 * @param storedBytes bytes of keys and values held
 * @param datagramsReceived every datagram read from the socket
 * @param requestsServed requests answered
 * @param dropped datagrams dropped, by reason (only non-zero reasons)
 * @param rpcsSent RPCs this node sent
 * @param rpcTimeouts RPCs that got no reply in time
 * @param lateReplies replies that came after their RPC had timed out
 * @param rpcsInFlight RPCs waiting for a reply now
 * @param handlerFailures datagrams whose handling threw (a bug; should stay 0)
 * @param stun what the node's STUN responder answered and dropped ({@link StunStats#NONE} when it answers none)
 */
public record NodeStats(int contacts, int storedKeys, long storedBytes, long datagramsReceived, long requestsServed,
                        Map<DropReason, Long> dropped, long rpcsSent, long rpcTimeouts, long lateReplies, int rpcsInFlight,
                        long handlerFailures, StunStats stun) {
    public NodeStats {
        dropped = Map.copyOf(dropped);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public long dropped(DropReason reason) {
        return dropped.getOrDefault(reason, 0L);
    }
}
