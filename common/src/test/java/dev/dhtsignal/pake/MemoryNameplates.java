package dev.dhtsignal.pake;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntPredicate;

/**
 * A nameplate board in memory that behaves as one DHT node does: one value per key, the last write wins.
 * Tests can record every write (what an eavesdropper sees), hide a nameplate from readers (a stale replica),
 * and hold writes to a nameplate until several are pending (writers that race).
 */
final class MemoryNameplates implements NameplateBoard {
    record Write(int nameplate, Side side, byte[] value) {
    }

    private final Map<String, byte[]> values = new ConcurrentHashMap<>();
    final List<Write> recorded = new CopyOnWriteArrayList<>();
    volatile IntPredicate hidden = n -> false;
    private volatile CyclicBarrier gate;
    private volatile int gatedNameplate;

    private static String key(int nameplate, Side side) {
        return nameplate + "/" + side;
    }

    /** The next {@code parties} writes to {@code nameplate} wait for each other, then land in arrival order. */
    void raceWrites(int nameplate, int parties) {
        gatedNameplate = nameplate;
        gate = new CyclicBarrier(parties, () -> gate = null);
    }

    /** Writes as anybody may (an attacker, a replay). */
    void write(int nameplate, Side side, byte[] value) {
        values.put(key(nameplate, side), value.clone());
        recorded.add(new Write(nameplate, side, value.clone()));
    }

    byte[] read(int nameplate, Side side) {
        return values.get(key(nameplate, side));
    }

    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        CyclicBarrier g = gate;
        if (g != null && nameplate == gatedNameplate) {
            try {
                g.await();
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        write(nameplate, side, value);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
        byte[] v = values.get(key(nameplate, side));
        return CompletableFuture.completedFuture(v == null || hidden.test(nameplate) ? List.of() : List.of(v.clone()));
    }

    @Override
    public String describe(int nameplate, Side side) {
        return "nameplate " + nameplate + " (" + side + ") in memory";
    }
}
