package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * What a node needs to come back as itself after a restart: its id, so the keys it was responsible for
 * are still its own, and contacts it knew, to rejoin through without a bootstrap address.
 */
public record NodeState(NodeId nodeId, List<Contact> contacts) {
    public NodeState {
        Objects.requireNonNull(nodeId, "nodeId");
        contacts = List.copyOf(contacts);
    }
}
