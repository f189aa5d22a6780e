package dev.dhtsignal.dht.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long a node waits for a reply: learned from round trips, doubled after misses, clamped. */
class RttEstimatorTest {
    private static final long MS = 1_000_000L;

    @Test
    void waitsTheConfiguredLimitUntilTheFirstReplyIsMeasured() {
        RttEstimator rtt = new RttEstimator(Duration.ofMillis(250), Duration.ofSeconds(2));
        assertEquals(2000 * MS, rtt.timeoutNanos());
        assertEquals(500 * MS, rtt.stallNanos(), "a lookup asks someone else after a quarter of the wait");
    }

    @Test
    void fastRepliesShortenTheWaitDownToTheFloorButNoFurther() {
        RttEstimator rtt = new RttEstimator(Duration.ofMillis(250), Duration.ofSeconds(2));
        for (int i = 0; i < 20; i++) {
            rtt.sample(2 * MS);
        }
        assertEquals(250 * MS, rtt.timeoutNanos());
    }

    @Test
    void slowRepliesLengthenTheWaitAsRfc6298Computes() {
        RttEstimator rtt = new RttEstimator(Duration.ofMillis(10), Duration.ofSeconds(5));
        rtt.sample(400 * MS);  // srtt 400, rttvar 200: srtt + 4 rttvar
        assertEquals(1200 * MS, rtt.timeoutNanos());
        rtt.sample(400 * MS);  // rttvar 0.75 * 200 = 150: 400 + 600
        assertEquals(1000 * MS, rtt.timeoutNanos());
    }

    @Test
    void eachTimeoutDoublesTheWaitUntilAReplyIsMeasuredAgain() {
        RttEstimator rtt = new RttEstimator(Duration.ofMillis(250), Duration.ofSeconds(10));
        for (int i = 0; i < 20; i++) {
            rtt.sample(MS);
        }
        rtt.timedOut();
        assertEquals(500 * MS, rtt.timeoutNanos());
        rtt.timedOut();
        assertEquals(1000 * MS, rtt.timeoutNanos());
        for (int i = 0; i < 10; i++) {
            rtt.timedOut();
        }
        assertEquals(10_000 * MS, rtt.timeoutNanos(), "never beyond the configured limit");
        rtt.sample(MS);
        assertEquals(250 * MS, rtt.timeoutNanos(), "a measured reply ends the backoff");
    }
}
