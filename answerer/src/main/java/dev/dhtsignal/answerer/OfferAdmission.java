package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * How many offers {@code answerer --serve} takes on, and which sessions give way. Anyone who knows the keys
 * can post offers that look live (in plain mode, anyone at all), and each answered offer costs a WebRTC
 * peer and a thread until it ends, so:
 * <ul>
 *   <li>at most {@code maxPerMinute} new sessions in any minute; past that an offer is skipped, not answered;</li>
 *   <li>at most {@code maxPeers} sessions at once, with room for newcomers: when every seat is taken, a new
 *       offer still gets in if a connected session has been idle (no message either way) for
 *       {@code roomAfter}: the one idle longest is closed for it. Until one has, the offer is "full": its
 *       caller may hold it and ask again (see {@link Server}), and skips it only when it gives up. So
 *       offerers that connect and say nothing cannot keep everyone else out for good;</li>
 *   <li>a share per source: at most {@code maxPerAddress} connected sessions from one address (the remote
 *       end of the connection's selected ICE path); a session past that is closed as soon as it connects.
 *       The address is known only once connected, so this is checked then, not when the offer is taken.</li>
 * </ul>
 * The idle limit itself ({@code --idle-timeout}) is applied by {@link Server} with {@link #idleFor}.
 *
 * <p>Skips are reported in one line per minute at most, with how many there were, so a flood of offers
 * does not become a flood of log lines.
 */
final class OfferAdmission {
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** The default of {@code --make-room-after}. */
    static final Duration DEFAULT_ROOM_AFTER = Duration.ofSeconds(30);

    private final int maxPeers;
    private final int maxPerMinute;
    private final int maxPerAddress;
    private final Duration roomAfter;
    private final Clock clock;
    private final Deque<Instant> admitted = new ArrayDeque<>();
    private final Set<Seat> open = new LinkedHashSet<>();
    private int skipped;
    private Instant lastReport;

    OfferAdmission(int maxPeers, int maxPerMinute, int maxPerAddress, Duration roomAfter, Clock clock) {
        if (maxPeers < 1 || maxPerMinute < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("the limits must be at least 1, got " + maxPeers + " peers, "
                    + maxPerMinute + " offers per minute and " + maxPerAddress + " peers per address");
        }
        if (roomAfter.isNegative()) {
            throw new IllegalArgumentException("--make-room-after must not be negative");
        }
        this.maxPeers = maxPeers;
        this.maxPerMinute = maxPerMinute;
        this.maxPerAddress = maxPerAddress;
        this.roomAfter = roomAfter;
        this.clock = clock;
    }

    /** With the default share per address (a quarter of {@code maxPeers}) and room after 30 s. */
    OfferAdmission(int maxPeers, int maxPerMinute, Clock clock) {
        this(maxPeers, maxPerMinute, defaultPerAddress(maxPeers), DEFAULT_ROOM_AFTER, clock);
    }

    /** The default of {@code --max-peers-per-address}: a quarter of {@code --max-peers}, at least 1. */
    static int defaultPerAddress(int maxPeers) {
        return Math.max(1, maxPeers / 4);
    }

    /**
     * One session taken on. Until {@link #connected} it is neither idle nor counted for an address; it
     * must end with {@link #ended}.
     */
    static final class Seat {
        private String address;
        private Supplier<Duration> idle;

        /** The offerer's address once connected, else null. */
        synchronized String address() {
            return address;
        }

        /** How long the session has been idle; zero before it connected. */
        synchronized Duration idle() {
            return idle == null ? Duration.ZERO : idle.get();
        }
    }

    /**
     * What became of one offer: taken on (with a seat, and perhaps a session to close to make room for it);
     * full (every seat taken, none idle long enough yet: ask again later, or {@link #skip}); or skipped,
     * perhaps with a line to report.
     */
    record Decision(Seat seat, Seat makeRoomFrom, boolean full, String report) {
        boolean admitted() {
            return seat != null;
        }
    }

    /** Takes an offer on if the limits allow it, making room if needed; a seat taken must end with {@link #ended}. */
    synchronized Decision admit() {
        Instant now = clock.instant();
        while (!admitted.isEmpty() && !admitted.peekFirst().isAfter(now.minus(WINDOW))) {
            admitted.removeFirst();
        }
        if (admitted.size() >= maxPerMinute) {
            return new Decision(null, null, false, skip(admitted.size() + " offer(s) answered in the last minute "
                    + "(--max-offers-per-minute " + maxPerMinute + ")"));
        }
        Seat giveWay = null;
        if (open.size() >= maxPeers) {
            giveWay = idleLongest().filter(s -> s.idle().compareTo(roomAfter) >= 0).orElse(null);
            if (giveWay == null) {
                return new Decision(null, null, true, null);
            }
            open.remove(giveWay);  // its seat is the newcomer's now; its ended() changes nothing
        }
        admitted.addLast(now);
        Seat seat = new Seat();
        open.add(seat);
        return new Decision(seat, giveWay, false, null);
    }

    /** Why an offer that found every seat taken is skipped in the end, for {@link #skip}. */
    synchronized String fullReason() {
        return open.size() + " session(s) open (--max-peers " + maxPeers + "), none idle for "
                + Durations.format(roomAfter) + " (--make-room-after)";
    }

    /**
     * Counts an offer skipped for {@code reason}; returns a line to report (one a minute at most, with the
     * count since the last), or null.
     */
    synchronized String skip(String reason) {
        Instant now = clock.instant();
        skipped++;
        if (lastReport != null && now.isBefore(lastReport.plus(WINDOW))) {
            return null;
        }
        String report = "skipped " + skipped + " offer(s) without answering" + (lastReport == null ? "" : " since the last report")
                + ": " + reason;
        lastReport = now;
        skipped = 0;
        return report;
    }

    private Optional<Seat> idleLongest() {
        return open.stream().filter(s -> s.address() != null).max(Comparator.comparing(Seat::idle));
    }

    /**
     * The session of {@code seat} has connected from {@code address}; {@code idle} tells from now on how
     * long it has been idle.
     *
     * @return null when the session may go on, or why it must be closed: too many sessions from that address
     */
    synchronized String connected(Seat seat, String address, Supplier<Duration> idle) {
        long fromThere = open.stream().filter(s -> s != seat && address.equals(s.address())).count();
        synchronized (seat) {
            seat.idle = idle;
            if (fromThere < maxPerAddress) {
                seat.address = address;
                return null;
            }
        }
        return fromThere + " session(s) are open from " + address + " (--max-peers-per-address " + maxPerAddress + ")";
    }

    /** Connected sessions idle for {@code limit} or longer, idle longest first. */
    synchronized List<Seat> idleFor(Duration limit) {
        List<Seat> idle = new ArrayList<>();
        for (Seat s : open) {
            if (s.address() != null && s.idle().compareTo(limit) >= 0) {
                idle.add(s);
            }
        }
        idle.sort(Comparator.comparing(Seat::idle).reversed());
        return idle;
    }

    /** A session taken on by {@link #admit} has ended, however it ended. */
    synchronized void ended(Seat seat) {
        open.remove(seat);
    }

    synchronized int open() {
        return open.size();
    }
}
