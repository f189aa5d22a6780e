package dev.dhtsignal.pake;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * Which nameplate an offerer tries next for a code it makes. Codes stay short while nameplates are free:
 * the first picks are among 1..99. Each nameplate that comes back busy (in use, taken by another offerer at
 * the same moment, or not writable) is never picked again, and after {@link #PICKS_PER_RANGE} busy picks the
 * range widens to 1..999, then to 1..9999; so someone holding all of 1..99 (which costs them 99 values, kept
 * rewritten) makes codes a digit longer, not impossible. At most {@link #TRIES} picks in all.
 *
 * <p>Not thread-safe: one claim at a time uses it.
 */
final class NameplateChoice {
    static final int FIRST_RANGE = 99;
    static final int PICKS_PER_RANGE = 3;
    static final int TRIES = 30;
    /** Draws of an already busy nameplate before the range counts as used up and widens. */
    private static final int REDRAWS = 64;

    private final IntUnaryOperator pickBelow;
    /** Nameplates found busy, in the order tried, with why. */
    private final Map<Integer, String> busy = new LinkedHashMap<>();
    private int range = FIRST_RANGE;
    private int picksInRange;

    /** @param pickBelow given n, a nameplate in 1..n (random in programs; scripted in tests) */
    NameplateChoice(IntUnaryOperator pickBelow) {
        this.pickBelow = pickBelow;
    }

    /** The next nameplate to try, or empty when {@link #TRIES} have been tried or no free one can be drawn. */
    OptionalInt next() {
        if (busy.size() >= TRIES) {
            return OptionalInt.empty();
        }
        if (picksInRange >= PICKS_PER_RANGE) {
            widen();
        }
        for (int draw = 0; draw < REDRAWS; draw++) {
            int n = pickBelow.applyAsInt(range);
            if (n < 1 || n > range) {
                throw new IllegalStateException("a pick of 1.." + range + " gave " + n);
            }
            if (!busy.containsKey(n)) {
                picksInRange++;
                return OptionalInt.of(n);
            }
        }
        // Every draw hit a busy nameplate: this range is as good as full.
        if (range < ShortCode.MAX_NAMEPLATE) {
            widen();
            return next();
        }
        return OptionalInt.empty();
    }

    private void widen() {
        range = Math.min(ShortCode.MAX_NAMEPLATE, range * 10 + 9);
        picksInRange = 0;
    }

    /** The nameplate tried last is busy; {@code why} is a few words ("in use", "not writable"). */
    void busy(int nameplate, String why) {
        busy.put(nameplate, why);
    }

    /** The widest range picked from so far (99, 999 or 9999). */
    int range() {
        return range;
    }

    /** What was tried, for the message when nothing was free: "30 nameplates tried: 27 in use, 3 not writable". */
    String summary() {
        Map<String, Integer> counts = new TreeMap<>();
        busy.values().forEach(why -> counts.merge(why, 1, Integer::sum));
        StringBuilder sb = new StringBuilder(busy.size() + " nameplate" + (busy.size() == 1 ? "" : "s") + " tried up to " + range);
        String sep = ": ";
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            sb.append(sep).append(e.getValue()).append(' ').append(e.getKey());
            sep = ", ";
        }
        return sb.toString();
    }
}
