package dev.dhtsignal.dht.lookup;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of an iterative lookup.
 *
 * @param closest the contacts that answered, closest to the target first, at most k
 * @param value the value found (find_value lookups): the most common among the replies
 * @param closestWithoutValue the closest contact that answered without the value, where the caller
 *                            caches a found value as the original network does
 * @param rpcs requests sent
 * @param hops rounds of the lookup: 1 when the seeds alone answered
 * @param elapsed wall time the lookup took
 */
public record LookupResult(List<Contact> closest, Optional<DhtValue> value, Optional<Contact> closestWithoutValue,
                           int rpcs, int hops, Duration elapsed) {
    public LookupResult {
        closest = List.copyOf(closest);
    }
}
