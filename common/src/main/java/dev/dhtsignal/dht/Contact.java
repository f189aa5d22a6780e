package dev.dhtsignal.dht;

import java.net.InetSocketAddress;
import java.util.Objects;

/** Another node of the network: its id and the UDP address it answers on. */
public record Contact(NodeId id, InetSocketAddress address) {
    public Contact {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("a contact needs a resolved address, got " + address);
        }
    }

    /** Host and port as {@code 1.2.3.4:5678} (IPv6 in brackets), for messages. */
    public String endpoint() {
        return Endpoints.format(address);
    }

    @Override
    public String toString() {
        return id.shortHex() + "@" + endpoint();
    }
}
