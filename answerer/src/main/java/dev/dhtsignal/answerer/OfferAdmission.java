package dev.dhtsignal.answerer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How many offers {@code answerer --serve} takes on: at most {@code maxPeers} sessions at once and at most
 * {@code maxPerMinute} new ones in any minute. Anyone who knows the keys can post offers that look live
 * (in plain mode, anyone at all), and each answered offer costs a WebRTC peer and a thread until it
 * connects or times out; past these limits an offer is skipped, not answered.
 *
 * <p>Skips are reported in one line per minute at most, with how many there were, so a flood of offers
 * does not become a flood of log lines.
 */
final class OfferAdmission {
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final int maxPeers;
    private final int maxPerMinute;
    private final Clock clock;
    private final Deque<Instant> admitted = new ArrayDeque<>();
    private int open;
    private int skipped;
    private Instant lastReport;

    OfferAdmission(int maxPeers, int maxPerMinute, Clock clock) {
        if (maxPeers < 1 || maxPerMinute < 1) {
            throw new IllegalArgumentException("the limits must be at least 1, got " + maxPeers + " peers and "
                    + maxPerMinute + " offers per minute");
        }
        this.maxPeers = maxPeers;
        this.maxPerMinute = maxPerMinute;
        this.clock = clock;
    }

    /** What became of one offer: taken on, or skipped with perhaps a line to report. */
    record Decision(boolean admitted, String report) {
    }

    /** Takes an offer on if both limits allow it; a session taken on must end with {@link #ended}. */
    synchronized Decision admit() {
        Instant now = clock.instant();
        while (!admitted.isEmpty() && !admitted.peekFirst().isAfter(now.minus(WINDOW))) {
            admitted.removeFirst();
        }
        String reason = open >= maxPeers ? open + " session(s) open (--max-peers " + maxPeers + ")"
                : admitted.size() >= maxPerMinute ? admitted.size() + " offer(s) answered in the last minute "
                + "(--max-offers-per-minute " + maxPerMinute + ")" : null;
        if (reason == null) {
            admitted.addLast(now);
            open++;
            return new Decision(true, null);
        }
        skipped++;
        if (lastReport != null && now.isBefore(lastReport.plus(WINDOW))) {
            return new Decision(false, null);
        }
        String report = "skipped " + skipped + " offer(s) without answering" + (lastReport == null ? "" : " since the last report")
                + ": " + reason;
        lastReport = now;
        skipped = 0;
        return new Decision(false, report);
    }

    /** A session taken on by {@link #admit} has ended, however it ended. */
    synchronized void ended() {
        open--;
    }
}
