package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.storage.FileValueStore;
import dev.dhtsignal.dht.storage.MemoryValueStore;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.dht.storage.StorageLimits;
import dev.dhtsignal.dht.storage.StuckDisk;
import dev.dhtsignal.dht.storage.ValueStore;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's storage as peers meet it: full, shared fairly between sources, on a slow disk, failing hard. */
class NodeStorageTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    private static NodeId key(String name) {
        return NodeId.digestOf(name);
    }

    @Test
    void oneSourceFillsItsShareAndAnotherStillStoresUntilTheNodeIsFull() throws Exception {
        int maxEntries = 2 * StorageLimits.PREFIX_SHARE_DIVISOR;  // two entries per source network
        StorageLimits limits = new StorageLimits(Duration.ofHours(1), 1000, maxEntries, 10_000_000);
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().storage(limits).build())) {
            NodeId sender = NodeId.random(new Random(1));
            try (RawUdpPeer flooder = new RawUdpPeer(InetAddress.getByName("127.0.0.2"));
                 RawUdpPeer honest = new RawUdpPeer(InetAddress.getByName("127.0.0.3"))) {
                assertEquals(Optional.of(true), flooder.store(node.localAddress(), sender, key("f1"), DhtValue.text("1"), LIMIT));
                assertEquals(Optional.of(true), flooder.store(node.localAddress(), sender, key("f2"), DhtValue.text("2"), LIMIT));
                assertEquals(Optional.of(false), flooder.store(node.localAddress(), sender, key("f3"), DhtValue.text("3"), LIMIT),
                        "the flooder's share is used up: refused with false, not silence");
                assertEquals(1L, node.stats().dropped(DropReason.OVER_QUOTA));
                assertEquals(Optional.of(true), honest.store(node.localAddress(), sender, key("h1"), DhtValue.text("h"), LIMIT),
                        "another source still stores");
            }
            // Fill the rest from more sources, two entries each, until the node holds its limit.
            int stored = 3;
            for (int source = 4; stored < maxEntries; source++) {
                try (RawUdpPeer peer = new RawUdpPeer(InetAddress.getByName("127.0.0." + source))) {
                    for (int i = 0; i < 2 && stored < maxEntries; i++, stored++) {
                        assertEquals(Optional.of(true), peer.store(node.localAddress(), sender, key(source + "/" + i),
                                DhtValue.integer(i), LIMIT));
                    }
                }
            }
            assertEquals(maxEntries, node.stats().storedKeys());
            try (RawUdpPeer late = new RawUdpPeer(InetAddress.getByName("127.0.0.100"))) {
                assertEquals(Optional.of(false), late.store(node.localAddress(), sender, key("late"), DhtValue.text("x"), LIMIT),
                        "a full node refuses new keys with false");
                assertEquals(1L, node.stats().dropped(DropReason.STORAGE_FULL));
                // What it holds it still serves.
                MessageId id = MessageId.random(new Random(9));
                late.send(WireCodec.encodeRequest(id, new RpcRequest.FindValue(sender, key("h1"))), node.localAddress());
                RpcResponse reply = WireCodec.decodeResponse(RpcKind.FIND_VALUE, late.nextResponse(id, LIMIT).orElseThrow());
                assertEquals(new RpcResponse.Value(DhtValue.text("h")), reply);
            }
            assertEquals(0, node.stats().handlerFailures());
        }
    }

    @Test
    void aStuckCompactionDoesNotStopTheNodeAnsweringAndStoresAreAcknowledgedOnceWritten() throws Exception {
        Path dir = temp.resolve("data");
        FileValueStore store = FileValueStore.open(dir, StorageLimits.defaults(), Clock.systemUTC(),
                new FileValueStore.Settings(4096, Duration.ofSeconds(1)));
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().build(), store);
             StuckDisk stuck = StuckDisk.at(StuckDisk.snapshotTempIn(dir));
             RawUdpPeer peer = new RawUdpPeer()) {
            NodeId sender = NodeId.random(new Random(2));
            // Stores until one crosses the compaction threshold; the compaction after it blocks on the disk.
            int i = 0;
            while (!StuckDisk.writerIsStuck()) {
                assertEquals(Optional.of(true), peer.store(node.localAddress(), sender, key("k" + i),
                        DhtValue.text("value " + i), LIMIT), "store " + i);
                i++;
                // Acknowledged; a compaction may follow it on the writer thread, so wait until it is stuck or idle.
                Await.until("the store's writer to be idle or stuck", LIMIT,
                        () -> StuckDisk.writerIsIdle() || StuckDisk.writerIsStuck());
            }
            MessageId waiting = MessageId.random(new Random(3));
            peer.send(WireCodec.encodeRequest(waiting, new RpcRequest.Store(sender, key("waiting"), DhtValue.text("w"))),
                    node.localAddress());
            // Meanwhile the node answers pings and reads.
            for (int p = 0; p < 5; p++) {
                MessageId ping = MessageId.random(new Random(10 + p));
                peer.send(WireCodec.encodeRequest(ping, new RpcRequest.Ping(sender)), node.localAddress());
                assertEquals(new RpcResponse.PingReply(node.id()),
                        WireCodec.decodeResponse(RpcKind.PING, peer.nextResponse(ping, LIMIT).orElseThrow()));
            }
            MessageId find = MessageId.random(new Random(20));
            peer.send(WireCodec.encodeRequest(find, new RpcRequest.FindValue(sender, key("k0"))), node.localAddress());
            assertEquals(new RpcResponse.Value(DhtValue.text("value 0")),
                    WireCodec.decodeResponse(RpcKind.FIND_VALUE, peer.nextResponse(find, LIMIT).orElseThrow()));
            assertTrue(StuckDisk.writerIsStuck(), "all of that while the compaction was stuck");
            assertFalse(node.localValue(key("waiting")).isPresent(), "the waiting store is not written yet");

            stuck.release();
            assertEquals(new RpcResponse.StoreReply(true),
                    WireCodec.decodeResponse(RpcKind.STORE, peer.nextResponse(waiting, LIMIT).orElseThrow()),
                    "acknowledged once written");
            assertEquals(Optional.of(DhtValue.text("w")), node.localValue(key("waiting")));
        }
    }

    @Test
    void anErrorOnTheReceiverIsReportedAsFatal() throws Exception {
        AtomicReference<Thread> where = new AtomicReference<>();
        AtomicReference<Throwable> what = new AtomicReference<>();
        FatalErrors.Handler previous = FatalErrors.setHandler((thread, error) -> {
            where.compareAndSet(null, thread);
            what.compareAndSet(null, error);
        });
        // A store that runs out of memory on one key, as a heap that is too small would on any.
        ValueStore exhausted = new MemoryValueStore(StorageLimits.defaults()) {
            @Override
            public CompletableFuture<PutResult> store(NodeId key, DhtValue value, SourcePrefix source, Instant now) {
                if (key.equals(key("too much"))) {
                    throw new OutOfMemoryError("Java heap space (injected)");
                }
                return super.store(key, value, source, now);
            }
        };
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().threadName("fatal").build(), exhausted);
             RawUdpPeer peer = new RawUdpPeer()) {
            NodeId sender = NodeId.random(new Random(4));
            peer.send(WireCodec.encodeRequest(MessageId.random(new Random(5)),
                    new RpcRequest.Store(sender, key("too much"), DhtValue.text("x"))), node.localAddress());
            Await.until("the error to be reported", LIMIT, () -> what.get() != null);
            assertInstanceOf(OutOfMemoryError.class, what.get());
            assertTrue(where.get().getName().startsWith("fatal-") && where.get().getName().contains("-recv-"),
                    where.get().getName());
            assertEquals(1, node.stats().handlerFailures());
        } finally {
            FatalErrors.setHandler(previous);
        }
    }
}
