package dev.dhtsignal.dht.rpc;

import java.time.Duration;

/**
 * Estimates how long to wait for a reply, from the round-trip times this node has measured (the smoothed
 * mean plus four deviations, as TCP does in RFC 6298), clamped between a floor and the configured limit.
 * Until the first reply arrives the limit itself is used. Waiting the measured time rather than a fixed
 * 5 s is what keeps lookups fast when some contacts have gone away: a dead contact costs a few
 * round-trips, not the whole limit.
 *
 * <p>As in RFC 6298 (section 5.5) the wait doubles after each timeout until a reply is measured again, so
 * a burst that slows everyone down (busy nodes, a full link) stretches the wait instead of making every
 * request time out. Replies that arrive after their request timed out are measured too.
 */
public final class RttEstimator {
    private final long floorNanos;
    private final long limitNanos;
    private double srtt = -1;
    private double rttvar;
    private int backoff = 1;

    public RttEstimator(Duration floor, Duration limit) {
        if (floor.compareTo(limit) > 0) {
            throw new IllegalArgumentException("rpc timeout floor " + floor + " is above the limit " + limit);
        }
        this.floorNanos = floor.toNanos();
        this.limitNanos = limit.toNanos();
    }

    public synchronized void sample(long rttNanos) {
        backoff = 1;
        if (srtt < 0) {
            srtt = rttNanos;
            rttvar = rttNanos / 2.0;
        } else {
            rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - rttNanos);
            srtt = 0.875 * srtt + 0.125 * rttNanos;
        }
    }

    /** A reply did not come in time: wait twice as long from now on, until the next reply is measured. */
    public synchronized void timedOut() {
        if (backoff < 64) {
            backoff *= 2;
        }
    }

    /** How long to wait for a reply before calling the RPC failed. */
    public synchronized long timeoutNanos() {
        if (srtt < 0) {
            return limitNanos;
        }
        long rto = Math.max(floorNanos, (long) (srtt + 4 * rttvar)) * backoff;
        return Math.min(limitNanos, rto);
    }

    /**
     * After how long a lookup stops counting an unanswered request against its parallelism and asks
     * someone else too: a quarter of the timeout, so that a slow contact delays no one.
     */
    public long stallNanos() {
        return Math.max(1, timeoutNanos() / 4);
    }

    public synchronized Duration smoothedRtt() {
        return srtt < 0 ? Duration.ZERO : Duration.ofNanos((long) srtt);
    }
}
