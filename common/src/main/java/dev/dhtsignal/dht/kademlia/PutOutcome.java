package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.util.List;

/**
 * Where a put landed.
 *
 * @param storedOn the remote nodes that acknowledged the store
 * @param storedLocally whether this node keeps a copy too (it is among the closest)
 * @param asked how many remote nodes were asked to store it
 */
public record PutOutcome(NodeId key, List<Contact> storedOn, boolean storedLocally, int asked) {
    public PutOutcome {
        storedOn = List.copyOf(storedOn);
    }

    /** Number of copies the network now holds. */
    public int copies() {
        return storedOn.size() + (storedLocally ? 1 : 0);
    }
}
