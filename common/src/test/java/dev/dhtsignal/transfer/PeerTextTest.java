package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the other peer sent, as it is shown: nothing in it may drive the terminal or reorder the line. */
class PeerTextTest {
    private static final String R = "\uFFFD";

    @Test
    void escapeSequencesCannotForgeLinesRetitleTheWindowOrWriteTheClipboard() {
        // Cursor up, erase line, then a fake success line; OSC 0 (window title); OSC 52 (clipboard), ended by BEL and ST.
        assertEquals(R + "[1A" + R + "[2KReceived file 'x' (SHA-256 verified)",
                PeerText.shown("\u001b[1A\u001b[2KReceived file 'x' (SHA-256 verified)"));
        assertEquals(R + "]0;owned" + R, PeerText.shown("\u001b]0;owned\u0007"));
        assertEquals(R + "]52;c;cm0gLXJmIH4=" + R + "\\", PeerText.shown("\u001b]52;c;cm0gLXJmIH4=\u001b\\"));
        assertEquals(R + "52;c;eA==" + R, PeerText.shown("\u009d52;c;eA==\u009c"), "C1 forms of OSC and ST");
        assertFalse(PeerText.shown("a\u001b\u009b\u007fb").chars().anyMatch(c -> c == 0x1b || c == 0x9b || c == 0x7f));
    }

    @Test
    void lineBreaksCannotStartALineThatLooksLikeAnotherSessions() {
        assertEquals("hi" + R + "[session 0badc0de] Received message on 'chat': trust me",
                PeerText.shown("hi\n[session 0badc0de] Received message on 'chat': trust me"));
        assertEquals("a" + R + "b" + R + "c" + R + "d" + R + "e",
                PeerText.shown("a\rb\u2028c\u2029d\u0085e"));
    }

    @Test
    void bidiAndOtherFormatCharactersAreReplacedSoNothingIsShownReordered() {
        assertEquals("invoice" + R + "fdp.exe", PeerText.shown("invoice\u202Efdp.exe"));
        for (int c : new int[] {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,
                0x2069, 0xFEFF, 0x00AD, 0x2060, 0x200B, 0xFFF9, 0xE0001}) {
            assertTrue(PeerText.unsafe(c), Integer.toHexString(c));
            assertEquals("x" + R + "y", PeerText.shown("x" + new String(Character.toChars(c)) + "y"), Integer.toHexString(c));
        }
    }

    @Test
    void ordinaryTextOfAnyScriptIsShownAsItIs() {
        for (String fine : new String[] {"plain ascii ~!@#$%^&*()", "tab\tstays", "résumé naïve Ωμέγα Привет", "עברית العربية",
                "日本語のテキスト", "👨\u200D👩\u200D👧 family (zero width joiners kept)", "कि\u200Cसी (a non-joiner kept)",
                "emoji 🎉 outside the BMP"}) {
            assertSame(fine, PeerText.shown(fine), "unchanged, and not copied");
        }
    }

    @Test
    void aLoneSurrogateIsReplacedAndNullIsEmpty() {
        assertEquals("a" + R + "b", PeerText.shown("a\uD800b"));
        assertEquals("a" + R, PeerText.shown("a\uDC00"));
        assertEquals("", PeerText.shown(null));
    }
}
