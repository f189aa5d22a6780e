package dev.dhtsignal.dht.rpc;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.wire.MessageId;
import dev.dhtsignal.dht.wire.RpcRequest;
import dev.dhtsignal.dht.wire.WireCodec;
import java.util.function.LongSupplier;

/**
 * Whether this node may ping an unknown sender now to verify it. A request's source address may be
 * spoofed, and each verification ping then goes to the victim; so pings are limited in total (a token
 * bucket) and paid from the {@link UnverifiedBudget}. When either is exhausted the sender is simply not
 * verified: it can still be answered, and it can still become a contact by answering one of our lookups.
 * Thread-safe.
 */
public final class VerificationBudget {
    /** Size of a ping datagram of the original network: header, ["ping", [id]]. */
    static final int PING_BYTES = WireCodec.encodeRequest(MessageId.of(new byte[MessageId.LENGTH]),
            new RpcRequest.Ping(NodeId.of(new byte[NodeId.LENGTH]))).length;

    private final TokenBucket pings;
    private final int pingBytes;
    private final boolean limited;
    private final UnverifiedBudget bytes;
    private final LongSupplier nanoTime;

    /** @param pingsPerSecond most verification pings per second (and at once); 0: no limit */
    public VerificationBudget(int pingsPerSecond, UnverifiedBudget bytes, LongSupplier nanoTime) {
        this(pingsPerSecond, PING_BYTES, bytes, nanoTime);
    }

    /** @param pingBytes the size of one ping datagram on this network's wire, paid from {@code bytes} */
    public VerificationBudget(int pingsPerSecond, int pingBytes, UnverifiedBudget bytes, LongSupplier nanoTime) {
        this.pingBytes = pingBytes;
        this.limited = pingsPerSecond > 0;
        this.pings = new TokenBucket(pingsPerSecond, pingsPerSecond, nanoTime.getAsLong());
        this.bytes = bytes;
        this.nanoTime = nanoTime;
    }

    public static VerificationBudget unlimited() {
        return new VerificationBudget(0, new UnverifiedBudget(0, 0, System::nanoTime), System::nanoTime);
    }

    /** Takes one ping from the budget; false when there is none left to take. */
    public boolean tryVerify() {
        synchronized (this) {
            if (limited && !pings.tryTake(nanoTime.getAsLong())) {
                return false;
            }
        }
        return bytes.trySpend(pingBytes);
    }
}
