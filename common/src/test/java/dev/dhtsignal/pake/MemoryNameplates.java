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
 * hold the offerer's writes to a nameplate until several are pending (writers that race), put a value on
 * "another node" that readers see beside the one here (what a writer who reached only some nodes leaves),
 * and refuse writes (nodes that refuse, a Mainline item that cannot be replaced).
 */
final class MemoryNameplates implements NameplateBoard {
    record Write(int nameplate, Side side, byte[] value) {
    }

    private final Map<String, byte[]> values = new ConcurrentHashMap<>();
    private final Map<String, byte[]> elsewhere = new ConcurrentHashMap<>();
    final List<Write> recorded = new CopyOnWriteArrayList<>();
    volatile IntPredicate hidden = n -> false;
    /** Writes to these keys fail as busy: {@code (nameplate, side) -> refused}. */
    volatile java.util.function.BiPredicate<Integer, Side> refused = (n, side) -> false;
    private volatile CyclicBarrier gate;
    private volatile int gatedNameplate;

    private static String key(int nameplate, Side side) {
        return nameplate + "/" + side;
    }

    /**
     * The next {@code parties} offerer writes to {@code nameplate} wait for each other, then all land, in
     * arrival order, before any of the writers goes on: writers that race, however slowly their threads run.
     */
    void raceWrites(int nameplate, int parties) {
        gatedNameplate = nameplate;
        gate = new CyclicBarrier(parties, () -> {
            gate = null;
            for (Write w : gatedWrites) {
                write(w.nameplate(), w.side(), w.value());
            }
            gatedWrites.clear();
        });
    }

    private final List<Write> gatedWrites = new CopyOnWriteArrayList<>();

    /** Writes as anybody may (an attacker, a replay). */
    void write(int nameplate, Side side, byte[] value) {
        values.put(key(nameplate, side), value.clone());
        recorded.add(new Write(nameplate, side, value.clone()));
    }

    byte[] read(int nameplate, Side side) {
        return values.get(key(nameplate, side));
    }

    /** A value another node holds under the key, seen by readers beside this one's until {@link #clearElsewhere}. */
    void writeElsewhere(int nameplate, Side side, byte[] value) {
        elsewhere.put(key(nameplate, side), value.clone());
        recorded.add(new Write(nameplate, side, value.clone()));
    }

    void clearElsewhere(int nameplate, Side side) {
        elsewhere.remove(key(nameplate, side));
    }

    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        if (refused.test(nameplate, side)) {
            return CompletableFuture.failedFuture(new NameplateBusyException(describe(nameplate, side) + " refuses writes"));
        }
        CyclicBarrier g = gate;
        if (g != null && nameplate == gatedNameplate && side == Side.OFFERER) {
            gatedWrites.add(new Write(nameplate, side, value.clone()));
            try {
                g.await();  // the last to arrive writes them all
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(null);
        }
        write(nameplate, side, value);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
        if (hidden.test(nameplate)) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<byte[]> found = new java.util.ArrayList<>();
        byte[] here = values.get(key(nameplate, side));
        byte[] there = elsewhere.get(key(nameplate, side));
        if (here != null) {
            found.add(here.clone());
        }
        if (there != null && (here == null || !java.util.Arrays.equals(here, there))) {
            found.add(there.clone());
        }
        return CompletableFuture.completedFuture(found);
    }

    @Override
    public String describe(int nameplate, Side side) {
        return "nameplate " + nameplate + " (" + side + ") in memory";
    }
}
