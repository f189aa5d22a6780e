package dev.dhtsignal.dht.lookup;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import java.util.List;

/** What one contact said during a lookup: closer contacts, or (find_value) the value itself. */
public sealed interface LookupReply {
    record Closer(List<Contact> contacts) implements LookupReply {
        public Closer {
            contacts = List.copyOf(contacts);
        }
    }

    record Found(DhtValue value) implements LookupReply {
    }
}
