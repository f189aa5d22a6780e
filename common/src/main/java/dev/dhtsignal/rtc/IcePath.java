package dev.dhtsignal.rtc;

import java.util.Objects;

/**
 * The path a connected peer uses: the two ends of the candidate pair ICE selected.
 *
 * @param local            our end
 * @param remote           the other peer's end, as we see it
 * @param roundTripSeconds the last measured round trip on this pair, or {@code null} when none was measured yet
 */
public record IcePath(End local, End remote, Double roundTripSeconds) {
    /**
     * One end of a candidate pair.
     *
     * @param type     {@code host} (an address of the machine), {@code srflx} (as a STUN server saw it, outside
     *                 a NAT), {@code prflx} (as the other peer saw it) or {@code relay} (on a TURN server)
     * @param protocol {@code udp} or {@code tcp}
     * @param address  IP address
     * @param port     port
     */
    public record End(String type, String protocol, String address, int port) {
        public End {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            String host = address.contains(":") ? "[" + address + "]" : address;
            return type + " " + protocol + " " + host + ":" + port;
        }
    }

    public IcePath {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }

    /** Whether the data goes through a TURN server (either end is a relay candidate). */
    public boolean relayed() {
        return local.type().equals("relay") || remote.type().equals("relay");
    }

    /** How the path crosses the network, in a few words: "relayed", "through NAT" or "direct". */
    public String kind() {
        if (relayed()) {
            return "relayed through TURN";
        }
        if (local.type().equals("srflx") || remote.type().equals("srflx")) {
            return "through NAT";  // an address a STUN server saw outside a NAT (hairpinning, when both share one)
        }
        // A peer-reflexive end comes from a check that arrived before the candidate's description; on one
        // address, both ends are one machine talking to itself, and no NAT is crossed.
        boolean sameMachine = local.address().equals(remote.address());
        return sameMachine || local.type().equals("host") && remote.type().equals("host") ? "direct" : "through NAT";
    }

    /** e.g. {@code local srflx udp 198.18.0.11:5000 <-> remote srflx udp 198.18.0.12:6000 (through NAT, rtt 2 ms)}. */
    @Override
    public String toString() {
        String rtt = roundTripSeconds == null ? "" : ", rtt " + Math.round(roundTripSeconds * 1000) + " ms";
        return "local " + local + " <-> remote " + remote + " (" + kind() + rtt + ")";
    }
}
