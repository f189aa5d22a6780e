package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SafeFileNameTest {
    @Test
    void directoriesAreDroppedFromWhatTheOtherSideSends() {
        assertEquals("passwd", SafeFileName.of("../../etc/passwd"));
        assertEquals("evil.exe", SafeFileName.of("C:\\Windows\\System32\\evil.exe"));
        assertEquals("report.pdf", SafeFileName.of("/home/someone/report.pdf"));
        assertEquals("a b.txt", SafeFileName.of("a\u0000 b\n.txt"));
        assertEquals("résumé ✓.txt", SafeFileName.of("résumé ✓.txt"));
    }

    @Test
    void bidiAndFormatCharactersAreDroppedSoTheNameIsWhatItShows() {
        // Shown with the override, this reads "invoiceexe.pdf"; it is an .exe.
        assertEquals("invoicefdp.exe", SafeFileName.of("invoice\u202Efdp.exe"));
        assertEquals("report.pdf", SafeFileName.of("\u2067rep\u200Eort\u00AD.pdf\uFEFF"));
        assertEquals("ab.txt", SafeFileName.of("a\u2028b\u0085.txt"));
        assertEquals("👨\u200D👩.png", SafeFileName.of("👨\u200D👩.png"), "joiners that emoji need are kept");
    }

    @Test
    void lookAlikeSlashesBecomeUnderscoresSoNoNameLooksLikeAPath() {
        assertEquals("etc_passwd", SafeFileName.of("etc\u2215passwd"));
        assertEquals("a_b_c_d_e_f", SafeFileName.of("a\u2044b\uFF0Fc\u29F8d\u2571e\u1735f"));
        assertEquals("a_b_c_d_e_f", SafeFileName.of("a\uFF3Cb\u2216c\uFE68d\u29F9e\u2572f"));
        assertEquals("x_y", SafeFileName.of("x" + new String(Character.toChars(0x1D23A)) + "y"));
        assertEquals("ノート.txt", SafeFileName.of("ノート.txt"), "a letter that looks like a slash is still a letter");
        assertEquals("__", SafeFileName.of("\u2215\u2216"), "only look-alikes: a name still, shown as what it is");
    }

    @Test
    void namesThatNameNoFileOrAHiddenFileAreRefused() {
        for (String bad : List.of("", "..", ".", "dir/..", "dir/", "...\\..", ".bashrc", "\u202E", " \u200E ",
                "\u202E.bashrc", "a/\u0000")) {
            assertThrows(IllegalArgumentException.class, () -> SafeFileName.of(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> SafeFileName.of(null));
        for (String stillBad : List.of("", "..", ".", "dir/..")) {
            assertThrows(IllegalArgumentException.class, () -> SafeFileName.of(stillBad, true), stillBad);
        }
    }

    @Test
    void hiddenNamesAreTheReceiversChoiceAndWindowsDeviceNamesAreOrdinaryNamesHere() {
        assertEquals(".hiddenrc", SafeFileName.of(".hiddenrc", true));
        assertEquals(".config", SafeFileName.of("\u202E.config", true));
        // Devices only on Windows: on this system they are files like any other.
        for (String name : List.of("CON", "aux.c", "nul.txt", "Com1", "LPT9.log", "aux")) {
            assertEquals(name, SafeFileName.of(name));
        }
    }

    @Test
    void longNamesAreShortenedKeepingTheirExtensionSoTheTemporaryNameFits() {
        String name = "n".repeat(246) + ".tar.gz";  // 253 bytes: fits 255 itself, not its ".NAME.part-XXXXXXXXXXXXX"
        String kept = SafeFileName.of(name);
        assertEquals(SafeFileName.MAX_BYTES, bytes(kept));
        assertTrue(kept.endsWith("n.gz"), kept);
        assertTrue(bytes("." + kept + ".part-" + "0".repeat(13)) <= 255);

        String wide = "日".repeat(100) + ".txt";  // 304 bytes: cut at a character, never inside one
        String cut = SafeFileName.of(wide);
        assertEquals("日".repeat(77) + ".txt", cut);
        assertTrue(bytes(cut) <= SafeFileName.MAX_BYTES);

        assertEquals("x".repeat(SafeFileName.MAX_BYTES), SafeFileName.of("x".repeat(300)), "no extension: just cut");
        String oddExtension = "a." + "b".repeat(300);
        assertEquals(oddExtension.substring(0, SafeFileName.MAX_BYTES), SafeFileName.of(oddExtension),
                "an extension too long to be one is not kept whole");
        String fits = "f".repeat(SafeFileName.MAX_BYTES);
        assertEquals(fits, SafeFileName.of(fits));
    }

    @Test
    void namesThatOnlyLookLikeDevicesAreFine() {
        assertEquals("console.txt", SafeFileName.of("console.txt"));
        assertEquals("com10", SafeFileName.of("com10"));
        assertEquals("nullable.java", SafeFileName.of("nullable.java"));
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
