package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * How joining went.
 *
 * @param reached the bootstrap nodes that answered our ping
 * @param unanswered the addresses that did not answer
 * @param contacts routing contacts after the lookup for our own id
 */
public record BootstrapResult(List<Contact> reached, List<InetSocketAddress> unanswered, int contacts) {
    public BootstrapResult {
        reached = List.copyOf(reached);
        unanswered = List.copyOf(unanswered);
    }
}
