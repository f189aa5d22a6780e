package dev.dhtsignal.dht.lookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lookup's rules, driven by scripted contacts: who is asked, when the lookup ends and what it
 * returns. The contacts answer through futures the test completes, so nothing here depends on timing
 * except the stall rule's own timer.
 */
class IterativeLookupTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Random random = new Random(5);
    private final NodeId target = NodeId.random(random);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    /** Contacts sorted closest to the target first. */
    private List<Contact> contacts(int n) {
        List<Contact> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Contact(NodeId.random(random), new InetSocketAddress("127.0.0.1", 10_000 + i)));
        }
        list.sort((a, b) -> target.compareDistances(a.id(), b.id()));
        return list;
    }

    @Test
    void aContactThatDoesNotAnswerNoLongerHoldsUpTheOthersOnceItHasStalled() {
        List<Contact> seeds = contacts(3);
        Map<Contact, CompletableFuture<LookupReply>> asked = new ConcurrentHashMap<>();
        IterativeLookup.Querier querier = c -> asked.computeIfAbsent(c, x -> new CompletableFuture<>());
        // alpha = 1: without the stall rule the lookup would ask nobody else while the first is silent.
        CompletableFuture<LookupResult> result = IterativeLookup.start(target, seeds, 20, 1, querier, timer,
                () -> TimeUnit.MILLISECONDS.toNanos(20), LIMIT);

        Await.until("the second contact to be asked while the first is still silent", LIMIT,
                () -> asked.containsKey(seeds.get(1)));
        assertFalse(asked.get(seeds.get(0)).isDone(), "the first contact never answered");
        asked.get(seeds.get(1)).complete(new LookupReply.Closer(List.of()));
        Await.until("the third contact to be asked", LIMIT, () -> asked.containsKey(seeds.get(2)));
        asked.get(seeds.get(2)).complete(new LookupReply.Closer(List.of()));
        assertFalse(result.isDone(), "a stalled contact among the k closest is still waited for");

        asked.get(seeds.get(0)).completeExceptionally(new RuntimeException("timed out"));
        LookupResult r = Await.result("lookup", result);
        assertEquals(List.of(seeds.get(1), seeds.get(2)), r.closest(), "only the contacts that answered");
    }

    @Test
    void aFindValueLookupAsksEveryOneOfTheClosestAndReturnsEachDistinctValueMostCommonFirst() {
        List<Contact> seeds = contacts(5);
        List<Contact> asked = new ArrayList<>();
        DhtValue genuine = DhtValue.text("genuine");
        DhtValue junk = DhtValue.text("junk");
        IterativeLookup.Querier querier = c -> {
            synchronized (asked) {
                asked.add(c);
            }
            // The closest contact lies; the three behind it hold the genuine value; the last holds nothing.
            int rank = seeds.indexOf(c);
            LookupReply reply = rank == 0 ? new LookupReply.Found(junk)
                    : rank < 4 ? new LookupReply.Found(genuine) : new LookupReply.Closer(List.of());
            return CompletableFuture.completedFuture(reply);
        };
        LookupResult r = Await.result("lookup", IterativeLookup.start(target, seeds, 20, 3, querier, timer,
                () -> TimeUnit.SECONDS.toNanos(10), LIMIT));

        assertEquals(5, asked.size(), "a first value does not end the lookup early: " + asked);
        assertEquals(List.of(genuine, junk), r.values());
        assertEquals(seeds.get(4), r.closestWithoutValue().orElseThrow(), "where the value may be cached");
    }

    @Test
    void contactsBeyondTheKClosestAreNeverAsked() {
        List<Contact> seeds = contacts(6);
        List<Contact> asked = new ArrayList<>();
        IterativeLookup.Querier querier = c -> {
            synchronized (asked) {
                asked.add(c);
            }
            return CompletableFuture.completedFuture(new LookupReply.Closer(List.of()));
        };
        LookupResult r = Await.result("lookup", IterativeLookup.start(target, seeds, 4, 3, querier, timer,
                () -> TimeUnit.SECONDS.toNanos(10), LIMIT));
        assertEquals(seeds.subList(0, 4), r.closest());
        assertTrue(asked.stream().allMatch(c -> seeds.indexOf(c) < 4), "asked: " + asked);
    }
}
