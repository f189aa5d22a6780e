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
 * @param values every distinct value the closest nodes returned (find_value lookups), most common first;
 *               more than one when replicas disagree (an overwrite not yet everywhere) or when some
 *               nodes answer with junk, so a caller that can tell the genuine value apart sees them all
 * @param closestWithoutValue the closest contact that answered without the value, where the caller
 *                            caches a found value as the original network does
 * @param rpcs requests sent
 * @param hops rounds of the lookup: 1 when the seeds alone answered
 * @param elapsed wall time the lookup took
 */
public record LookupResult(List<Contact> closest, List<DhtValue> values, Optional<Contact> closestWithoutValue,
                           int rpcs, int hops, Duration elapsed) {
    public LookupResult {
        closest = List.copyOf(closest);
        values = List.copyOf(values);
    }

    /** The most common value found, as the original network picks it. */
    public Optional<DhtValue> value() {
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
