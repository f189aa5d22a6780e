package dev.dhtsignal.signal.board;

/**
 * What a value on a {@link SignalBoard} is, and so where it goes: each board maps these names to keys of
 * its own network. Offer and answer slots belong to one session (their keys come from its secret, or from
 * the configured key names in plain mode); nameplates are public, the same for everyone.
 */
public sealed interface BoardName {
    /** Whose value a nameplate holds. Each side writes only its own. */
    enum Side { OFFERER, ANSWERER }

    /** The offer in a slot of the session. */
    record Offer(int slot) implements BoardName {
        public Offer {
            requireSlot(slot);
        }
    }

    /** The answer to the offer in a slot. */
    record Answer(int slot) implements BoardName {
        public Answer {
            requireSlot(slot);
        }
    }

    /** One side's value of a short code's nameplate (its key exchange). */
    record Nameplate(int number, Side side) implements BoardName {
        public Nameplate {
            if (number < 1) {
                throw new IllegalArgumentException("a nameplate is a positive number, got " + number);
            }
        }
    }

    static Offer offer(int slot) {
        return new Offer(slot);
    }

    static Answer answer(int slot) {
        return new Answer(slot);
    }

    static Nameplate nameplate(int number, Side side) {
        return new Nameplate(number, side);
    }

    private static void requireSlot(int slot) {
        if (slot < 0) {
            throw new IllegalArgumentException("a slot is 0 or more, got " + slot);
        }
    }
}
