package dev.dhtsignal.transfer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a chat line into parts small enough for one message each. A part holds at most
 * {@link #MAX_PART_CHARS} UTF-16 characters; JSON may write a character as up to six bytes
 * ({@code \u0001}), so a part's {@code line} message stays under 64 KiB whatever the text.
 */
public final class LineSplitter {
    public static final int MAX_PART_CHARS = 10_000;

    private LineSplitter() {
    }

    /** The parts of {@code line} in order; one part (the line itself) when it is short. Never splits a surrogate pair. */
    public static List<String> split(String line, int maxChars) {
        if (line.length() <= maxChars) {
            return List.of(line);
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (start < line.length()) {
            int end = Math.min(line.length(), start + maxChars);
            if (end < line.length() && Character.isHighSurrogate(line.charAt(end - 1))) {
                end--;
            }
            parts.add(line.substring(start, end));
            start = end;
        }
        return parts;
    }
}
