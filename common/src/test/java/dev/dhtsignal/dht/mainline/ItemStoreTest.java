package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Mainline node's item store under a flood: it keeps a signed item written by one honest source
 * while many sources write far more than it holds, by sharing out its room by source and giving up the
 * heaviest network's oldest item when full.
 */
class ItemStoreTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration LIFE = Duration.ofHours(2);

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static ImmutableItem junk(int i) {
        return new ImmutableItem(("junk " + i).getBytes(StandardCharsets.US_ASCII));
    }

    private static MutableItem signed(long seq, String value) {
        return MutableItem.sign(Ed25519.fromSeed(new byte[32]), "offer".getBytes(StandardCharsets.US_ASCII), seq,
                value.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aFloodFromFortyNetworksFillsTheStoreWithoutPushingOutTheHonestItem() throws Exception {
        ItemStore store = new ItemStore(new SourceQuotas(400, 40, 40), LIFE);
        MutableItem honest = signed(1, "sealed offer");
        assertEquals(ItemStore.Outcome.STORED, store.putMutable(honest, Optional.empty(), ip("198.51.100.9"), NOW));
        int stored = 0;
        for (int i = 0; i < 20_000; i++) {
            InetAddress flooder = ip("203.0." + (i % 40) + ".1");
            if (store.putImmutable(junk(i), flooder, NOW.plusMillis(i)) == ItemStore.Outcome.STORED) {
                stored++;
            }
        }
        assertEquals(400, store.size(), "full");
        assertTrue(store.evicted() > 0, "room was made: " + store.evicted());
        assertTrue(stored > 400, "the flood kept writing, taking room from itself: " + stored);
        assertEquals(Optional.of(honest), store.get(honest.target(), NOW.plusSeconds(30)));
    }

    @Test
    void oneAddressIsRefusedBeyondItsShareAndItsNetworkBeyondThat() throws Exception {
        ItemStore store = new ItemStore(SourceQuotas.sharesOf(320), LIFE);  // 10 per address, 40 per /24
        for (int i = 0; i < 10; i++) {
            assertEquals(ItemStore.Outcome.STORED, store.putImmutable(junk(i), ip("203.0.113.1"), NOW));
        }
        assertEquals(ItemStore.Outcome.OVER_ADDRESS_QUOTA, store.putImmutable(junk(10), ip("203.0.113.1"), NOW));
        for (int host = 2; host <= 4; host++) {
            for (int i = 0; i < 10; i++) {
                store.putImmutable(junk(host * 100 + i), ip("203.0.113." + host), NOW);
            }
        }
        assertEquals(ItemStore.Outcome.OVER_NETWORK_QUOTA, store.putImmutable(junk(999), ip("203.0.113.5"), NOW));
        assertEquals(ItemStore.Outcome.STORED, store.putImmutable(junk(999), ip("203.0.114.5"), NOW));
        assertEquals(41, store.size());
    }

    @Test
    void aStrangerRewritingAnHonestItemDoesNotTakeItOverToPushItOut() throws Exception {
        ItemStore store = new ItemStore(new SourceQuotas(20, 20, 20), LIFE);
        MutableItem honest = signed(5, "answer");
        store.putMutable(honest, Optional.empty(), ip("198.51.100.9"), NOW);
        InetAddress stranger = ip("203.0.113.66");
        assertEquals(ItemStore.Outcome.STORED, store.putMutable(honest, Optional.empty(), stranger, NOW.plusSeconds(1)),
                "anyone may refresh a signed item");
        for (int i = 0; i < 200; i++) {
            store.putImmutable(junk(i), stranger, NOW.plusSeconds(2 + i));
        }
        assertEquals(Optional.of(honest), store.get(honest.target(), NOW.plusSeconds(300)),
                "the refresh kept it on the honest writer's account");
    }

    @Test
    void bep44RulesStillHold() throws Exception {
        ItemStore store = new ItemStore(SourceQuotas.sharesOf(1000), LIFE);
        InetAddress a = ip("203.0.113.1");
        store.putMutable(signed(2, "two"), Optional.empty(), a, NOW);
        assertEquals(ItemStore.Outcome.SEQ_TOO_LOW, store.putMutable(signed(1, "one"), Optional.empty(), a, NOW));
        assertEquals(ItemStore.Outcome.SEQ_TOO_LOW, store.putMutable(signed(2, "other"), Optional.empty(), a, NOW));
        assertEquals(ItemStore.Outcome.CAS_MISMATCH, store.putMutable(signed(3, "three"), Optional.of(1L), a, NOW));
        assertEquals(ItemStore.Outcome.STORED, store.putMutable(signed(3, "three"), Optional.of(2L), a, NOW));
        assertEquals(1, store.size());
        assertEquals(Optional.empty(), store.get(signed(3, "three").target(), NOW.plus(LIFE)), "lived its two hours");
        assertEquals(0, store.heldBy(a), "and left its writer's account");
    }
}
