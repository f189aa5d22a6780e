package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The limits of 'answerer --serve', on a clock the test moves and with idle times the test sets. */
class OfferAdmissionTest {
    private final ManualClock clock = new ManualClock();

    @Test
    void offersPastTheRatePerMinuteAreSkippedUntilTheMinuteHasPassed() {
        OfferAdmission admission = new OfferAdmission(100, 3, clock);
        for (int i = 0; i < 3; i++) {
            OfferAdmission.Decision taken = admission.admit();
            assertTrue(taken.admitted());
            clock.advance(Duration.ofSeconds(10));
            admission.ended(taken.seat());
        }
        OfferAdmission.Decision skipped = admission.admit();
        assertFalse(skipped.admitted());
        assertTrue(skipped.report().contains("skipped 1 offer(s)") && skipped.report().contains("--max-offers-per-minute 3"),
                skipped.report());
        clock.advance(Duration.ofSeconds(30));  // a minute after the first
        assertTrue(admission.admit().admitted());
    }

    @Test
    void offersPastTheOpenSessionsFindItFullUntilOneEnds() {
        OfferAdmission admission = new OfferAdmission(2, 100, clock);
        OfferAdmission.Seat first = admission.admit().seat();
        assertNotNull(admission.admit().seat());
        OfferAdmission.Decision full = admission.admit();
        assertFalse(full.admitted());
        assertTrue(full.full(), "the caller may hold it and ask again");
        assertNull(full.report(), "not skipped (nor counted) until the caller gives up on it");
        String report = admission.skip(admission.fullReason());
        assertTrue(report.contains("skipped 1 offer(s)") && report.contains("--max-peers 2"), report);
        admission.ended(first);
        assertTrue(admission.admit().admitted());
    }

    @Test
    void whenEverySeatIsTakenANewOfferClosesTheSessionIdleLongestOnceItIsIdlePastTheGrace() {
        OfferAdmission admission = new OfferAdmission(2, 100, 2, Duration.ofSeconds(30), clock);
        AtomicReference<Duration> idleA = new AtomicReference<>(Duration.ZERO);
        AtomicReference<Duration> idleB = new AtomicReference<>(Duration.ZERO);
        OfferAdmission.Seat a = admission.admit().seat();
        OfferAdmission.Seat b = admission.admit().seat();
        assertNull(admission.connected(a, "10.0.0.1", idleA::get));
        assertNull(admission.connected(b, "10.0.0.2", idleB::get));

        idleA.set(Duration.ofSeconds(29));
        idleB.set(Duration.ofSeconds(12));
        OfferAdmission.Decision full = admission.admit();
        assertTrue(full.full() && !full.admitted(), "nobody idle for 30 s yet");
        assertTrue(admission.fullReason().contains("none idle for 30s (--make-room-after)"), admission.fullReason());

        idleA.set(Duration.ofSeconds(31));
        idleB.set(Duration.ofSeconds(45));
        OfferAdmission.Decision room = admission.admit();
        assertTrue(room.admitted());
        assertSame(b, room.makeRoomFrom(), "the one idle longest gives way");
        assertEquals(2, admission.open(), "the newcomer took its seat");
        admission.ended(b);  // its session closing later changes nothing
        assertEquals(2, admission.open());
    }

    @Test
    void aSessionNotYetConnectedIsNeverClosedToMakeRoom() {
        OfferAdmission admission = new OfferAdmission(1, 100, 1, Duration.ZERO, clock);
        assertTrue(admission.admit().admitted());
        assertTrue(admission.admit().full(), "the first is still connecting: it has no idle time yet");
    }

    @Test
    void oneAddressGetsItsShareAndNoMore() {
        OfferAdmission admission = new OfferAdmission(8, 100, 2, Duration.ofSeconds(30), clock);
        OfferAdmission.Seat one = admission.admit().seat();
        OfferAdmission.Seat two = admission.admit().seat();
        OfferAdmission.Seat three = admission.admit().seat();
        OfferAdmission.Seat elsewhere = admission.admit().seat();
        assertNull(admission.connected(one, "192.0.2.7", () -> Duration.ZERO));
        assertNull(admission.connected(two, "192.0.2.7", () -> Duration.ZERO));
        String refused = admission.connected(three, "192.0.2.7", () -> Duration.ZERO);
        assertEquals("2 session(s) are open from 192.0.2.7 (--max-peers-per-address 2)", refused);
        assertNull(admission.connected(elsewhere, "198.51.100.1", () -> Duration.ZERO));
        admission.ended(three);
        admission.ended(one);
        OfferAdmission.Seat again = admission.admit().seat();
        assertNull(admission.connected(again, "192.0.2.7", () -> Duration.ZERO), "a share freed is a share again");
        assertEquals(2, OfferAdmission.defaultPerAddress(8));
        assertEquals(4, OfferAdmission.defaultPerAddress(16));
        assertEquals(1, OfferAdmission.defaultPerAddress(2));
    }

    @Test
    void idleSessionsAreFoundIdleLongestFirst() {
        OfferAdmission admission = new OfferAdmission(4, 100, clock);
        OfferAdmission.Seat quiet = admission.admit().seat();
        OfferAdmission.Seat quieter = admission.admit().seat();
        OfferAdmission.Seat talking = admission.admit().seat();
        admission.admit();  // still connecting: not idle
        admission.connected(quiet, "a", () -> Duration.ofMinutes(11));
        admission.connected(quieter, "b", () -> Duration.ofMinutes(20));
        admission.connected(talking, "c", () -> Duration.ofSeconds(3));
        assertEquals(List.of(quieter, quiet), admission.idleFor(Duration.ofMinutes(10)));
    }

    @Test
    void skipsAreReportedInOneLineAMinuteWithTheirCount() {
        OfferAdmission admission = new OfferAdmission(100, 1, clock);
        assertTrue(admission.admit().admitted());
        assertNotNull(admission.admit().report(), "the first skip is reported at once");
        for (int i = 0; i < 50; i++) {
            clock.advance(Duration.ofSeconds(1));
            assertNull(admission.skip("held too long"), "skips within the minute are only counted");
        }
        clock.advance(Duration.ofSeconds(10));
        assertEquals("skipped 51 offer(s) without answering since the last report: held too long",
                admission.skip("held too long"));
    }

    @Test
    void limitsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OfferAdmission(0, 10, clock));
        assertThrows(IllegalArgumentException.class, () -> new OfferAdmission(10, 0, clock));
        assertThrows(IllegalArgumentException.class, () -> new OfferAdmission(10, 10, 0, Duration.ZERO, clock));
        assertEquals(Duration.ofMinutes(1), OfferAdmission.WINDOW);
    }
}
