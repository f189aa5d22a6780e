package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.Reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.KademliaBoard;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Polling for a value, against a DHT node in the same JVM. */
class ValueWaiterTest {
    /** Pauses at least this long are never taken in {@link #toldTheValueIsComingItLooksAtOnce}. */
    private static final long STALLED_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    private KademliaNode server;
    private KademliaNode client;
    private ScheduledThreadPoolExecutor timer;

    @BeforeEach
    void start() throws Exception {
        server = KademliaNode.start(KademliaConfig.builder().bindAddress(new java.net.InetSocketAddress("127.0.0.1", 0)).threadName("waiter-server").build());
        client = KademliaNode.start(KademliaConfig.builder().bindAddress(new java.net.InetSocketAddress("127.0.0.1", 0)).threadName("waiter-client").clientOnly(true).build());
        Await.result("joining", client.bootstrap(List.of(server.localAddress())));
        // A timer on which the poll stalls once its pause has grown long: a later look happens only if
        // the waiter is told to hurry.
        timer = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                if (unit.toNanos(delay) >= STALLED_NANOS) {
                    return super.schedule(() -> { }, 1, TimeUnit.DAYS);
                }
                return super.schedule(command, delay, unit);
            }
        };
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
        client.close();
        server.close();
    }

    @Test
    void toldTheValueIsComingItLooksAtOnce() {
        SignalBoard board = KademliaBoard.plain(client, "webrtc-offer", "webrtc-answer", "the test DHT");
        BoardName awaited = BoardName.offer(0);
        BoardName other = BoardName.offer(1);
        Await.result("storing a value that is never accepted", board.put(other, DhtValue.text("not it")));
        AtomicInteger looks = new AtomicInteger();
        ValueWaiter waiter = new ValueWaiter(board, timer, Duration.ofMillis(25), Duration.ofHours(1));
        ValueWaiter.Watch watch = new ValueWaiter.Watch("value", "key 'webrtc-offer'", List.of(awaited, other));
        CompletableFuture<Void> soon = new CompletableFuture<>();
        CompletableFuture<ValueWaiter.Found<String>> found = waiter.await(watch, (i, value, all) -> {
            if (i == 1) {
                looks.incrementAndGet();
                return Reading.empty();
            }
            return Reading.accepted(value.toString());
        }, Duration.ofMinutes(5), Duration.ofMinutes(5), soon);

        // 25 ms, then half as long again each time: the pause reaches the stalling length after 8 looks.
        Await.until("the pauses between looks to grow", Duration.ofSeconds(30), () -> looks.get() >= 8);
        Await.result("storing the awaited value", board.put(awaited, DhtValue.text("it")));
        assertFalse(found.isDone(), "found before anyone looked again");

        soon.complete(null);
        ValueWaiter.Found<String> result = Await.result("the value, looked for at once", found);
        assertEquals(0, result.index());
        assertEquals(DhtValue.text("it"), result.raw());
    }
}
