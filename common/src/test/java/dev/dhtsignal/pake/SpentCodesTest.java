package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.pake.SpentCodes.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user memory of the short codes tried: what it keeps, where, how much, and that it never stops a program. */
class SpentCodesTest {
    @TempDir
    Path home;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private Path file() {
        return home.resolve("webrtc-dht-signaling").resolve("spent-codes");
    }

    @Test
    void aCodeTriedIsRememberedByItsRoleAcrossRunsAndOnlyAsAHash() throws Exception {
        ShortCode code = ShortCode.parse("7-guitarist-revenge");
        SpentCodes first = SpentCodes.in(file(), warnings::add);
        assertFalse(first.isSpent(Role.OFFERER, code), "nothing there yet (no file)");
        first.spend(Role.OFFERER, code);

        SpentCodes nextRun = SpentCodes.in(file(), warnings::add);
        assertTrue(nextRun.isSpent(Role.OFFERER, code));
        assertFalse(nextRun.isSpent(Role.ANSWERER, code), "an answerer's tries are its own");
        assertFalse(nextRun.isSpent(Role.OFFERER, ShortCode.parse("8-guitarist-revenge")));
        nextRun.spend(Role.ANSWERER, code);
        assertTrue(SpentCodes.in(file(), warnings::add).isSpent(Role.ANSWERER, code));

        String kept = Files.readString(file(), StandardCharsets.US_ASCII);
        assertEquals(List.of(SpentCodes.entry(Role.OFFERER, code), SpentCodes.entry(Role.ANSWERER, code)), kept.lines().toList());
        assertFalse(kept.contains("guitarist") || kept.contains("revenge"), kept);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())));
        assertEquals(List.of(), warnings);
    }

    @Test
    void theNewestCodesAreKeptAndTheFileStaysBounded() throws Exception {
        SpentCodes spent = SpentCodes.in(file(), warnings::add);
        int made = SpentCodes.LIMIT + 10;
        for (int i = 0; i < made; i++) {
            spent.spend(Role.OFFERER, new ShortCode(1 + i % 9999, i / 9999, 0));
        }
        SpentCodes reread = SpentCodes.in(file(), warnings::add);
        assertEquals(SpentCodes.LIMIT, Files.readAllLines(file()).size());
        assertFalse(reread.isSpent(Role.OFFERER, new ShortCode(1, 0, 0)), "the oldest is forgotten");
        assertTrue(reread.isSpent(Role.OFFERER, new ShortCode(made % 9999, (made - 1) / 9999, 0)), "the newest is kept");
        assertTrue(Files.size(file()) <= SpentCodes.LIMIT * 65L);
    }

    /** An offerer and an answerer (here two threads, as two programs would be) writing the file at once lose nothing. */
    @Test
    void twoUsersOfTheFileAtOnceLoseNoCode() throws Exception {
        SpentCodes offerers = SpentCodes.in(file(), warnings::add);
        SpentCodes answerers = SpentCodes.in(file(), warnings::add);
        Thread other = new Thread(() -> {
            for (int i = 1; i <= 200; i++) {
                answerers.spend(Role.ANSWERER, new ShortCode(i, 1, 1));
            }
        });
        other.start();
        for (int i = 1; i <= 200; i++) {
            offerers.spend(Role.OFFERER, new ShortCode(i, 2, 2));
        }
        other.join(30_000);
        assertEquals(List.of(), warnings);
        SpentCodes reread = SpentCodes.in(file(), warnings::add);
        for (int i = 1; i <= 200; i++) {
            assertTrue(reread.isSpent(Role.ANSWERER, new ShortCode(i, 1, 1)) && reread.isSpent(Role.OFFERER, new ShortCode(i, 2, 2)), "code " + i);
        }
        assertEquals(400, Files.readAllLines(file()).size());
    }

    @Test
    void aFileThatCannotBeReadOrWrittenIsAWarningOnceAndTheRunGoesOn() throws Exception {
        // The cache path is a file where the directory should be: nothing can be created under it.
        Files.writeString(home.resolve("webrtc-dht-signaling"), "not a directory");
        SpentCodes spent = SpentCodes.in(file(), warnings::add);
        ShortCode code = ShortCode.parse("12-aardvark-adroitness");
        assertFalse(spent.isSpent(Role.ANSWERER, code));
        spent.spend(Role.ANSWERER, code);
        spent.spend(Role.ANSWERER, ShortCode.parse("13-aardvark-adroitness"));
        assertTrue(spent.isSpent(Role.ANSWERER, code), "remembered for this run at least");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("cannot remember the spent short code in " + file()), warnings.get(0));

        // Junk in the file (an edit, a torn write) is skipped, not fatal.
        Path other = home.resolve("other").resolve("spent-codes");
        Files.createDirectories(other.getParent());
        Files.writeString(other, "junk\n" + SpentCodes.entry(Role.OFFERER, code) + "\n\u0000\u0001\n");
        assertTrue(SpentCodes.in(other, warnings::add).isSpent(Role.OFFERER, code));
        assertEquals(1, warnings.size());
    }
}
