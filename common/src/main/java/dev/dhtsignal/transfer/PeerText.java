package dev.dhtsignal.transfer;

/**
 * Text that came from the other peer (chat lines, greetings, file names, reasons, labels), made safe to
 * print on a terminal or a page: every character that could move the cursor, start an escape sequence
 * (colours, window title, OSC 52 clipboard writes), break the line (and so forge a line of another
 * session), or reorder what is shown (bidi controls, {@code invoice<U+202E>fdp.exe} showing as
 * "invoiceexe.pdf") is replaced with U+FFFD, so that a person sees something was there.
 *
 * <p>The rule, the same in the web page ({@code docs/file-transfer.md}, "What is shown"): replaced are the
 * C0 controls but TAB (U+0000-U+0008, U+000A-U+001F), DEL (U+007F), the C1 controls (U+0080-U+009F), the
 * line and paragraph separators (U+2028, U+2029), and every format character (Unicode category Cf:
 * the bidi controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, and U+00AD, U+FEFF, ...)
 * except ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D), which scripts and emoji need.
 * A lone surrogate (not a character at all) is replaced too.
 */
public final class PeerText {
    /** What a replaced character becomes. */
    public static final char REPLACEMENT = '\uFFFD';

    private PeerText() {
    }

    /** {@code text} with every unsafe character replaced; "" for null. */
    public static String shown(String text) {
        if (text == null) {
            return "";
        }
        int i = 0;
        while (i < text.length()) {
            int c = text.codePointAt(i);
            if (unsafe(c) || isLoneSurrogate(text, i)) {
                break;
            }
            i += Character.charCount(c);
        }
        if (i == text.length()) {
            return text;  // the usual case: nothing to replace, no copy
        }
        StringBuilder out = new StringBuilder(text.length()).append(text, 0, i);
        while (i < text.length()) {
            int c = text.codePointAt(i);
            out.appendCodePoint(unsafe(c) || isLoneSurrogate(text, i) ? REPLACEMENT : c);
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** Whether the display rule replaces code point {@code c}. */
    public static boolean unsafe(int c) {
        if (c == '\t') {
            return false;
        }
        if (c < 0x20 || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029) {
            return true;
        }
        return isBidiControl(c) || Character.getType(c) == Character.FORMAT && c != 0x200C && c != 0x200D;
    }

    /** The bidi controls by name, so the rule holds whatever Unicode version the JDK knows (all are Cf today). */
    private static boolean isBidiControl(int c) {
        return c == 0x061C || c == 0x200E || c == 0x200F || c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
    }

    private static boolean isLoneSurrogate(String text, int i) {
        return Character.isSurrogate(text.charAt(i)) && !Character.isSupplementaryCodePoint(text.codePointAt(i));
    }
}
