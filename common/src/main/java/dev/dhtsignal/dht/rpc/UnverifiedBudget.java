package dev.dhtsignal.dht.rpc;

import java.util.function.LongSupplier;

/**
 * How many bytes this node may still send to sources it has not verified, so that spoofed requests
 * cannot make it a reflector. UDP needs no handshake: a request may carry a victim's address as its
 * source, and a reply larger than the request (a find_node reply lists up to 20 contacts, ~760 bytes, for
 * a 77-byte request; a stored value may be 8 KB) would multiply the attacker's traffic.
 *
 * <p>The budget is earned byte for byte by what unverified sources send, plus a small steady allowance
 * for honest clients (which never answer requests and so can never be verified), and held up to a
 * reserve. Replies and verification pings to unverified sources spend it; a reply that does not fit is
 * cut down (fewer contacts) or not sent. So over any stretch of time the bytes sent to unverified sources
 * are at most the bytes received from them, plus the allowance and the reserve. Thread-safe.
 */
public final class UnverifiedBudget {
    private static final double NANOS_PER_SECOND = 1e9;

    private final long reserve;
    private final double allowancePerSecond;
    private final LongSupplier nanoTime;
    private double bytes;
    private long lastNanos;

    /**
     * @param allowancePerSecond bytes per second added besides what unverified sources send
     * @param reserve the most bytes held, and what a new node starts with; 0 means no budget at all:
     *                unverified sources are answered in full
     */
    public UnverifiedBudget(int allowancePerSecond, int reserve, LongSupplier nanoTime) {
        this.allowancePerSecond = allowancePerSecond;
        this.reserve = reserve;
        this.nanoTime = nanoTime;
        this.bytes = reserve;
        this.lastNanos = nanoTime.getAsLong();
    }

    public boolean isLimited() {
        return reserve > 0;
    }

    /** A request of {@code n} bytes came from an unverified source; returns the bytes now available. */
    public synchronized int earn(int n) {
        if (!isLimited()) {
            return Integer.MAX_VALUE;
        }
        refill();
        bytes = Math.min(reserve, bytes + n);
        return (int) bytes;
    }

    /** Spends {@code n} bytes if that many are available. */
    public synchronized boolean trySpend(int n) {
        if (!isLimited()) {
            return true;
        }
        refill();
        if (bytes < n) {
            return false;
        }
        bytes -= n;
        return true;
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        if (now > lastNanos) {
            bytes = Math.min(reserve, bytes + (now - lastNanos) * allowancePerSecond / NANOS_PER_SECOND);
            lastNanos = now;
        }
    }
}
