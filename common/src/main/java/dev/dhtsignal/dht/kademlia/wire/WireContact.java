package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.NodeId;
import java.util.Objects;

/**
 * A contact exactly as a {@code find_node} reply lists it: {@code [id, ip, port]}. The host is text as the
 * sender wrote it; turning it into an address (and refusing names that are not IP literals) is the RPC
 * layer's job. The port is a long because the wire allows any integer and we must not wrap it silently.
 */
public record WireContact(NodeId id, String host, long port) {
    public WireContact {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
    }
}
