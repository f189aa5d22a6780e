package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HandOverRuleTest {
    private static final int K = 20;

    /** The rule as written: one pass over every contact per key. */
    private static boolean byDefinition(NodeId key, NodeId self, NodeId newcomer, List<NodeId> others) {
        int closerThanNewcomer = 0;
        for (NodeId other : others) {
            if (key.closerTo(other, self)) {
                return false;
            }
            if (key.closerTo(other, newcomer)) {
                closerThanNewcomer++;
            }
        }
        return closerThanNewcomer < K;
    }

    @Test
    void agreesWithTheDefinitionForRandomTablesAndKeys() {
        Random random = new Random(42);
        int handedOver = 0;
        int asked = 0;
        for (int table = 0; table < 60; table++) {
            NodeId self = NodeId.random(random);
            NodeId newcomer = table % 3 == 0 ? self.randomWithSharedPrefix(random.nextInt(12), random) : NodeId.random(random);
            List<NodeId> others = new ArrayList<>();
            int size = random.nextInt(300);
            for (int i = 0; i < size; i++) {
                // Some contacts near us and near the newcomer, as a routing table holds them, some anywhere.
                NodeId centre = i % 3 == 0 ? self : i % 3 == 1 ? newcomer : NodeId.random(random);
                others.add(centre.randomWithSharedPrefix(random.nextInt(24), random));
            }
            HandOverRule rule = new HandOverRule(self, newcomer, others, K);
            for (int i = 0; i < 500; i++) {
                // Keys near us are the ones the rule says yes to; random keys mostly get no.
                NodeId key = i % 2 == 0 ? self.randomWithSharedPrefix(random.nextInt(16), random) : NodeId.random(random);
                boolean expected = byDefinition(key, self, newcomer, others);
                assertEquals(expected, rule.shouldHandOver(key), () -> "key " + key + " self " + self + " newcomer " + newcomer);
                asked++;
                handedOver += expected ? 1 : 0;
            }
        }
        // Both answers must have been exercised for the comparison to mean anything.
        assertTrue(handedOver > asked / 50 && handedOver < asked - asked / 50, handedOver + " of " + asked);
    }

    @Test
    void withNoOtherContactsEveryValueGoesToTheNewcomer() {
        Random random = new Random(7);
        NodeId self = NodeId.random(random);
        HandOverRule rule = new HandOverRule(self, NodeId.random(random), List.of(), K);
        for (int i = 0; i < 100; i++) {
            assertTrue(rule.shouldHandOver(NodeId.random(random)));
        }
    }

    @Test
    void differsAtReadsBitsFromTheMostSignificant() {
        NodeId zero = NodeId.fromHex("0".repeat(40));
        NodeId top = NodeId.fromHex("8" + "0".repeat(39));
        NodeId last = NodeId.fromHex("0".repeat(39) + "1");
        assertTrue(zero.differsAt(top, 0));
        assertTrue(!zero.differsAt(top, 1));
        assertTrue(zero.differsAt(last, 159));
        assertTrue(!zero.differsAt(last, 158));
    }
}
