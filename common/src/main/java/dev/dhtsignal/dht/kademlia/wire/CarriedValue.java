package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.DhtValue;

/**
 * The value a store request or a find_value reply carried: one this network keeps, or the reason it is
 * refused. A refused value is not a malformed datagram: the original network stores any type, so a
 * refusal is answered ({@code false} to a store) rather than met with silence.
 *
 * @param value the value, or null when refused
 * @param refusal why it is refused, or null when kept
 */
record CarriedValue(DhtValue value, String refusal) {
    static CarriedValue of(DhtValue value) {
        return new CarriedValue(value, null);
    }

    static CarriedValue refused(String why) {
        return new CarriedValue(null, why);
    }
}
