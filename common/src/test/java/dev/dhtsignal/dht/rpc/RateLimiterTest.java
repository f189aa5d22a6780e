package dev.dhtsignal.dht.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.RateLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter on a clock of its own: per address, per /24 or /64, in total, and the burst of a newcomer. */
class RateLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }

    private int admitted(RateLimiter limiter, InetAddress source, int attempts) {
        int n = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.admit(source)) {
                n++;
            }
        }
        return n;
    }

    private void advanceMillis(long ms) {
        nanos.addAndGet(ms * 1_000_000L);
    }

    @Test
    void aNewAddressGetsAQuarterOfASecondsWorthAtOnceThenItsRate() throws Exception {
        RateLimiter limiter = new RateLimiter(RateLimits.perSecond(1000, 0, 0), nanos::get);
        assertEquals(250, admitted(limiter, ip("192.0.2.1"), 2000), "burst of a new source");
        advanceMillis(50);
        assertEquals(50, admitted(limiter, ip("192.0.2.1"), 2000), "50 ms at 1000/s");
        advanceMillis(10_000);
        assertEquals(250, admitted(limiter, ip("192.0.2.1"), 2000), "a quiet source refills to its burst, no more");
        assertEquals(250, admitted(limiter, ip("192.0.2.2"), 2000), "another address has its own bucket");
    }

    @Test
    void addressesOfOneSlash24ShareThePrefixRate() throws Exception {
        RateLimiter limiter = new RateLimiter(RateLimits.perSecond(1000, 4000, 0), nanos::get);
        int fromPrefix = 0;
        for (int host = 1; host <= 64; host++) {
            fromPrefix += admitted(limiter, ip("198.51.100." + host), 100);
        }
        assertEquals(1000, fromPrefix, "64 addresses of one /24 get the prefix's burst, not 64 bursts");
        assertEquals(250, admitted(limiter, ip("198.51.101.1"), 1000), "the next /24 is not affected");
        advanceMillis(100);
        int after = 0;
        for (int host = 1; host <= 64; host++) {
            after += admitted(limiter, ip("198.51.100." + host), 100);
        }
        assertEquals(400, after, "100 ms at 4000/s for the whole prefix");
    }

    @Test
    void addressesOfOneIpv6Slash64ShareThePrefixRate() throws Exception {
        RateLimiter limiter = new RateLimiter(RateLimits.perSecond(1000, 4000, 0), nanos::get);
        int sameSlash64 = 0;
        for (int host = 1; host <= 16; host++) {
            sameSlash64 += admitted(limiter, ip("2001:db8:0:1::" + Integer.toHexString(host)), 100);
        }
        assertEquals(1000, sameSlash64);
        assertEquals(250, admitted(limiter, ip("2001:db8:0:2::1"), 1000));
    }

    @Test
    void theTotalRateHoldsForEveryoneTogether() throws Exception {
        RateLimiter limiter = new RateLimiter(RateLimits.perSecond(0, 0, 30_000), nanos::get);
        int total = 0;
        for (int a = 0; a < 200; a++) {
            total += admitted(limiter, ip("203.0." + a + ".1"), 100);
        }
        for (int a = 0; a < 200; a++) {
            total += admitted(limiter, ip("203.1." + a + ".1"), 100);
        }
        assertEquals(7500, total, "a quarter of a second's worth at once");
        assertFalse(limiter.admit(ip("203.0.250.1")));
        advanceMillis(1);
        assertEquals(30, admitted(limiter, ip("203.0.251.1"), 100));
    }

    @Test
    void forgottenSourcesStartAfreshWithOnlyTheirSmallBurst() throws Exception {
        RateLimits limits = new RateLimits(1000, 100, 0, 0, 0, 8, 0, 0, 0);
        RateLimiter limiter = new RateLimiter(limits, nanos::get);
        assertEquals(100, admitted(limiter, ip("192.0.2.1"), 1000));
        for (int i = 2; i < 20; i++) {
            assertTrue(limiter.admit(ip("192.0.2." + i)));  // pushes 192.0.2.1 out of the 8 tracked
        }
        assertEquals(100, admitted(limiter, ip("192.0.2.1"), 1000), "no more than one burst per churn");
    }

    @Test
    void theUnverifiedBudgetNeverLetsMoreOutThanCameInPlusItsReserve() {
        UnverifiedBudget budget = new UnverifiedBudget(0, 1000, nanos::get);
        assertTrue(budget.trySpend(1000));
        assertFalse(budget.trySpend(1));
        long in = 0;
        long out = 0;
        for (int i = 0; i < 1000; i++) {
            in += 77;
            int available = budget.earn(77);
            int reply = Math.min(760, available);
            assertTrue(budget.trySpend(reply));
            out += reply;
        }
        assertEquals(in, out);
        UnverifiedBudget allowance = new UnverifiedBudget(8192, 65_536, nanos::get);
        assertTrue(allowance.trySpend(65_536));
        advanceMillis(500);
        assertTrue(allowance.trySpend(4096));
        assertFalse(allowance.trySpend(1));
    }
}
