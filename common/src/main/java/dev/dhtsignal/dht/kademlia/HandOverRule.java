package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import java.util.Collection;

/**
 * Which of our values a newly met contact should be handed: those for which we are closer to the key than
 * every other contact (so only one node of a neighbourhood hands them over), and fewer than k other
 * contacts are closer to the key than the newcomer (it is now among the k closest).
 *
 * <p>Asked once per stored value, so each question must cost next to nothing however many contacts we
 * have. Counting contacts closer to a key than some node X needs no pass over the contacts: a contact C
 * and X first differ at bit b (C sits in X's bucket b), and C is closer to the key than X exactly when
 * the key differs from X at bit b as well, since above b C and X agree, and at b the one that matches the
 * key is closer. So with the contacts counted per bucket as seen from X, once per newcomer, the number
 * closer to a key is the sum of the counts of those buckets at whose bit the key differs from X. Only
 * buckets that hold someone are looked at: a few dozen at most, usually fewer. The whole hand-over
 * then costs O(contacts) once and O(occupied buckets) per value, instead of a pass over every contact
 * for every value.
 */
final class HandOverRule {
    private final NodeId self;
    private final NodeId newcomer;
    private final int k;
    private final BucketCounts aroundSelf;
    private final BucketCounts aroundNewcomer;

    /** @param others every contact except the newcomer (and never ourselves) */
    HandOverRule(NodeId self, NodeId newcomer, Collection<NodeId> others, int k) {
        this.self = self;
        this.newcomer = newcomer;
        this.k = k;
        this.aroundSelf = new BucketCounts(self, others);
        this.aroundNewcomer = new BucketCounts(newcomer, others);
    }

    boolean shouldHandOver(NodeId key) {
        return aroundSelf.closerThanCentre(key, 1) == 0 && aroundNewcomer.closerThanCentre(key, k) < k;
    }

    /** Contacts counted by the first bit in which each differs from a centre id: its bucket as seen from there. */
    private static final class BucketCounts {
        private final NodeId centre;
        /** Bits (most significant first) at which some contact first differs from the centre ... */
        private final int[] bits;
        /** ... and how many contacts do so at each. */
        private final int[] counts;

        BucketCounts(NodeId centre, Collection<NodeId> ids) {
            this.centre = centre;
            int[] perBit = new int[NodeId.BITS];
            int occupied = 0;
            for (NodeId id : ids) {
                int bit = centre.sharedPrefixBits(id);
                if (bit < NodeId.BITS && perBit[bit]++ == 0) {
                    occupied++;
                }
            }
            bits = new int[occupied];
            counts = new int[occupied];
            for (int bit = 0, i = 0; bit < NodeId.BITS; bit++) {
                if (perBit[bit] > 0) {
                    bits[i] = bit;
                    counts[i++] = perBit[bit];
                }
            }
        }

        /** How many contacts are closer to {@code key} than the centre, counting no further than {@code enough}. */
        int closerThanCentre(NodeId key, int enough) {
            int closer = 0;
            for (int i = 0; i < bits.length && closer < enough; i++) {
                if (key.differsAt(centre, bits[i])) {
                    closer += counts[i];
                }
            }
            return closer;
        }
    }
}
