package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Reading the DHT for the signal layer: every distinct value under a key, most common first. */
final class DhtReads {
    private DhtReads() {
    }

    static CompletableFuture<List<DhtValue>> all(DhtNode dht, NodeId key) {
        return dht.getDigest(key).thenApply(v -> v.map(List::of).orElse(List.of()));
    }
}
