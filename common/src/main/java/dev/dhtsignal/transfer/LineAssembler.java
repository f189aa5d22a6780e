package dev.dhtsignal.transfer;

/**
 * Puts a chat line together from its {@code "more":true} parts, holding at most {@link #MAX_LINE_CHARS}:
 * the other side decides how many parts come, and one endless line must not fill our memory.
 */
final class LineAssembler {
    /**
     * Longest line put together, in UTF-16 chars as Java counts a String's length (1 MiB of chars: 1 to 2
     * MiB of memory). The page keeps to the same number, counted the same way.
     */
    static final int MAX_LINE_CHARS = 1 << 20;

    private StringBuilder partial = new StringBuilder();

    /** Thrown when a line would grow past {@link #MAX_LINE_CHARS}; what had come of it is dropped. */
    static final class TooLong extends Exception {
        TooLong() {
            super("a line over 1 MiB", null, false, false);
        }
    }

    /**
     * Adds one part.
     *
     * @return the whole line when this part was its last, else null
     * @throws TooLong when the line would be longer than {@link #MAX_LINE_CHARS}
     */
    String add(String text, boolean more) throws TooLong {
        if ((long) partial.length() + text.length() > MAX_LINE_CHARS) {
            clear();
            throw new TooLong();
        }
        partial.append(text);
        if (more) {
            return null;
        }
        String line = partial.toString();
        if (partial.capacity() > LineSplitter.MAX_PART_CHARS * 2) {
            clear();  // a long line's megabytes are not kept for the short ones after it
        } else {
            partial.setLength(0);
        }
        return line;
    }

    /** Forgets the line being put together, and its memory. */
    void clear() {
        partial = new StringBuilder();
    }
}
