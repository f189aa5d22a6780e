package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The limits of 'answerer --serve', on a clock the test moves. */
class OfferAdmissionTest {
    private final ManualClock clock = new ManualClock();

    @Test
    void offersPastTheRatePerMinuteAreSkippedUntilTheMinuteHasPassed() {
        OfferAdmission admission = new OfferAdmission(100, 3, clock);
        for (int i = 0; i < 3; i++) {
            assertTrue(admission.admit().admitted());
            clock.advance(Duration.ofSeconds(10));
            admission.ended();
        }
        OfferAdmission.Decision skipped = admission.admit();
        assertFalse(skipped.admitted());
        assertTrue(skipped.report().contains("skipped 1 offer(s)") && skipped.report().contains("--max-offers-per-minute 3"),
                skipped.report());
        clock.advance(Duration.ofSeconds(30));  // a minute after the first
        assertTrue(admission.admit().admitted());
    }

    @Test
    void offersPastTheOpenSessionsAreSkippedUntilOneEnds() {
        OfferAdmission admission = new OfferAdmission(2, 100, clock);
        assertTrue(admission.admit().admitted());
        assertTrue(admission.admit().admitted());
        OfferAdmission.Decision skipped = admission.admit();
        assertFalse(skipped.admitted());
        assertTrue(skipped.report().contains("--max-peers 2"), skipped.report());
        admission.ended();
        assertTrue(admission.admit().admitted());
    }

    @Test
    void skipsAreReportedInOneLineAMinuteWithTheirCount() {
        OfferAdmission admission = new OfferAdmission(1, 100, clock);
        assertTrue(admission.admit().admitted());
        assertNotNull(admission.admit().report(), "the first skip is reported at once");
        for (int i = 0; i < 50; i++) {
            clock.advance(Duration.ofSeconds(1));
            assertNull(admission.admit().report(), "skips within the minute are only counted");
        }
        clock.advance(Duration.ofSeconds(10));
        OfferAdmission.Decision later = admission.admit();
        assertFalse(later.admitted());
        assertTrue(later.report().startsWith("skipped 51 offer(s) without answering since the last report"), later.report());
    }

    @Test
    void limitsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OfferAdmission(0, 10, clock));
        assertThrows(IllegalArgumentException.class, () -> new OfferAdmission(10, 0, clock));
        assertEquals(Duration.ofMinutes(1), OfferAdmission.WINDOW);
    }
}
