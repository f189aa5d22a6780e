package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a BEP 44 {@code get} lookup found.
 *
 * @param mutable   the verified mutable item with the highest {@code seq} among the replies
 * @param immutable an immutable item whose hash matched the target
 * @param closest   the nodes closest to the target that answered, closest first, at most k
 * @param tokens    the write token each of them gave, for a following put
 * @param elapsed   how long the lookup took
 */
public record GetResult(Optional<MutableItem> mutable, Optional<ImmutableItem> immutable, List<Contact> closest,
                        Map<Contact, byte[]> tokens, int rpcs, Duration elapsed) {
    public GetResult {
        closest = List.copyOf(closest);
        tokens = Map.copyOf(tokens);
    }
}
