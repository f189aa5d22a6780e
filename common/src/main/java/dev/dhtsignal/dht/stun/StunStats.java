package dev.dhtsignal.dht.stun;

import java.util.Map;

/**
 * What a node's STUN responder did since it started.
 *
 * @param enabled whether the node answers STUN at all ({@link #NONE} when it does not)
 * @param answered Binding requests answered with the address they came from
 * @param refused Binding requests answered 420 (Unknown Attribute)
 * @param dropped STUN datagrams not answered, by reason (only non-zero reasons)
 */
public record StunStats(boolean enabled, long answered, long refused, Map<StunDrop, Long> dropped) {
    /** A node that answers no STUN. */
    public static final StunStats NONE = new StunStats(false, 0, 0, Map.of());

    public StunStats {
        dropped = Map.copyOf(dropped);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public long dropped(StunDrop reason) {
        return dropped.getOrDefault(reason, 0L);
    }
}
