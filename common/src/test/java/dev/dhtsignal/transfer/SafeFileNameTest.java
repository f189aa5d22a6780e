package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void namesThatNameNoFileOrADeviceOrAHiddenFileAreRefused() {
        for (String bad : List.of("", "..", ".", "dir/..", "dir/", "...\\..", ".bashrc", "CON", "nul.txt", "Com1",
                "LPT9.log", "aux", "x".repeat(256))) {
            assertThrows(IllegalArgumentException.class, () -> SafeFileName.of(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> SafeFileName.of(null));
    }

    @Test
    void namesThatOnlyLookLikeDevicesAreFine() {
        assertEquals("console.txt", SafeFileName.of("console.txt"));
        assertEquals("com10", SafeFileName.of("com10"));
        assertEquals("nullable.java", SafeFileName.of("nullable.java"));
    }
}
