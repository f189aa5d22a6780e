package dev.dhtsignal.dht.kademlia.rpc;

import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counts of what a node received, answered and dropped. Cheap to update from any thread. */
public final class TrafficCounters {
    private final EnumMap<RpcKind, LongAdder> requestsServed = new EnumMap<>(RpcKind.class);
    private final EnumMap<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);
    private final LongAdder datagramsReceived = new LongAdder();
    private final LongAdder rpcsSent = new LongAdder();
    private final LongAdder rpcTimeouts = new LongAdder();
    private final LongAdder lateReplies = new LongAdder();

    public TrafficCounters() {
        for (RpcKind k : RpcKind.values()) {
            requestsServed.put(k, new LongAdder());
        }
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new LongAdder());
        }
    }

    public void received() {
        datagramsReceived.increment();
    }

    public void served(RpcKind kind) {
        requestsServed.get(kind).increment();
    }

    public void dropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    public void dropped(DropReason reason, int count) {
        if (count > 0) {
            dropped.get(reason).add(count);
        }
    }

    public void sent() {
        rpcsSent.increment();
    }

    public void timedOut() {
        rpcTimeouts.increment();
    }

    /** A reply that came after its request had timed out. */
    public void lateReply() {
        lateReplies.increment();
    }

    public long lateReplies() {
        return lateReplies.sum();
    }

    public long datagramsReceived() {
        return datagramsReceived.sum();
    }

    public long requestsServed() {
        return requestsServed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long requestsServed(RpcKind kind) {
        return requestsServed.get(kind).sum();
    }

    public long droppedCount(DropReason reason) {
        return dropped.get(reason).sum();
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long rpcsSent() {
        return rpcsSent.sum();
    }

    public long rpcTimeouts() {
        return rpcTimeouts.sum();
    }

    /** Non-zero drop counts by reason, in declaration order. */
    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        dropped.forEach((r, n) -> {
            long v = n.sum();
            if (v > 0) {
                m.put(r, v);
            }
        });
        return m;
    }
}
