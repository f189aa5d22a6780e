package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The count of packets to each node over a sliding 10-second window, and the limit it holds. */
class FloodLimitTest {
    private final AtomicLong now = new AtomicLong();
    private final FloodLimit limit = new FloodLimit(now::get);
    private final InetSocketAddress a = new InetSocketAddress("127.0.0.1", 6881);
    private final InetSocketAddress b = new InetSocketAddress("127.0.0.1", 6882);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void theFiftyFirstPacketWithinTenSecondsIsHeldBackAndTheWindowSlides() {
        for (int i = 0; i < 50; i++) {
            assertTrue(limit.admit(a));
            advanceMillis(100);  // 50 packets over 5 s
        }
        assertFalse(limit.admit(a), "a 51st within 10 s");
        assertTrue(limit.admit(b), "another node has its own window");
        advanceMillis(5_000);  // the first packet, sent at 0, is now 10 s old
        assertTrue(limit.admit(a));
        assertFalse(limit.admit(a));
        assertEquals(new FloodLimit.Stats(50, 2), limit.stats());
    }

    @Test
    void pollsLeaveANodeOutBeforeItsLimit() {
        for (int i = 0; i < FloodLimit.POLL_CEILING; i++) {
            assertFalse(limit.busy(a));
            limit.admit(a);
        }
        assertTrue(limit.busy(a));
        assertEquals(FloodLimit.POLL_CEILING, limit.inWindow(a));
        advanceMillis(10_000);
        assertFalse(limit.busy(a));
        assertEquals(0, limit.inWindow(a));
    }
}
