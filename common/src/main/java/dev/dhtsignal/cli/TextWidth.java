package dev.dhtsignal.cli;

/**
 * How many terminal columns text takes: one per character, none for combining marks and format
 * characters, two for the wide characters of East Asian scripts and most emoji (the ranges terminals
 * draw two cells wide). Close enough to fit a line to a terminal; escape sequences are not counted
 * here, so lines measured must not hold any.
 */
final class TextWidth {
    private TextWidth() {
    }

    static int of(String text) {
        return text.codePoints().map(TextWidth::columns).sum();
    }

    /** The longest start of {@code text} that takes at most {@code width} columns. */
    static String cut(String text, int width) {
        int used = 0;
        int end = 0;
        while (end < text.length()) {
            int c = text.codePointAt(end);
            int w = columns(c);
            if (used + w > width) {
                break;
            }
            used += w;
            end += Character.charCount(c);
        }
        return text.substring(0, end);
    }

    static int columns(int c) {
        int type = Character.getType(c);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) {
            return 0;
        }
        return wide(c) ? 2 : 1;
    }

    private static boolean wide(int c) {
        return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F)
                || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F)
                || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F)
                || (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
    }
}
