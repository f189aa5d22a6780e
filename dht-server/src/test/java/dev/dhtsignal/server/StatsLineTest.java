package dev.dhtsignal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.NodeStats;
import dev.dhtsignal.dht.stun.StunDrop;
import dev.dhtsignal.dht.stun.StunStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The --stats line's STUN part: there whenever the node answers STUN, with the drops by reason. */
class StatsLineTest {
    private static NodeStats with(StunStats stun) {
        return new NodeStats(3, 4, 500, 10, 9, Map.of(), 2, 0, 0, 0, 0, stun);
    }

    @Test
    void stunCountersAreShownWhenTheNodeAnswersStunEvenBeforeAnyRequest() {
        String idle = StatsLine.format(with(new StunStats(true, 0, 0, Map.of())), 0);
        assertTrue(idle.endsWith(" stun: answered=0 refused=0 dropped=0"), idle);
        String busy = StatsLine.format(with(new StunStats(true, 7, 1,
                Map.of(StunDrop.RATE_LIMITED, 5L, StunDrop.MALFORMED, 2L))), 0);
        assertTrue(busy.endsWith(" stun: answered=7 refused=1 dropped=7 (malformed=2, rate limited=5)"), busy);
        assertFalse(StatsLine.format(with(StunStats.NONE), 0).contains("stun:"));
        assertEquals("", StatsLine.stun(StunStats.NONE));
    }
}
