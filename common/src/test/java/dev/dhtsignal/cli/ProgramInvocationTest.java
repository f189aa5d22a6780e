package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other program's command, as this one was run, and words quoted for the shell. */
class ProgramInvocationTest {
    @Test
    void theOtherJarIsFoundBesideOursOrInTheBuildsLayout(@TempDir Path dir) throws Exception {
        Path ours = Files.createDirectories(dir.resolve("offerer/target")).resolve("offerer.jar");
        Files.writeString(ours, "");
        assertEquals(Optional.empty(), ProgramInvocation.otherJar(ours, "offerer", "answerer"));
        Path built = Files.createDirectories(dir.resolve("answerer/target")).resolve("answerer.jar");
        Files.writeString(built, "");
        assertEquals(Optional.of(built), ProgramInvocation.otherJar(ours, "offerer", "answerer"));
        Path beside = ours.resolveSibling("answerer.jar");
        Files.writeString(beside, "");
        assertEquals(Optional.of(beside), ProgramInvocation.otherJar(ours, "offerer", "answerer"));
    }

    @Test
    void aLauncherStartedByAPathNamesTheOtherLauncherByItsPath(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("my image/bin"));
        Files.writeString(bin.resolve("offerer"), "");
        Files.writeString(bin.resolve("answerer"), "");
        String before = System.getProperty(ProgramInvocation.LAUNCHER_PROPERTY);
        try {
            System.setProperty(ProgramInvocation.LAUNCHER_PROPERTY, bin.resolve("offerer").toString());
            // Not the answerer on the PATH: its path, quoted for the space in it.
            assertEquals(Shell.quote(bin.resolve("answerer").toString()), ProgramInvocation.of("answerer", "offerer"));
        } finally {
            if (before == null) {
                System.clearProperty(ProgramInvocation.LAUNCHER_PROPERTY);
            } else {
                System.setProperty(ProgramInvocation.LAUNCHER_PROPERTY, before);
            }
        }
    }

    @Test
    void wordsAreQuotedOnlyWhenTheShellWouldReadThemOtherwise() {
        assertEquals("turn:198.18.0.1:3478,username=u,credential=p", Shell.quote("turn:198.18.0.1:3478,username=u,credential=p"));
        assertEquals("'team offer'", Shell.quote("team offer"));
        assertEquals("'it'\\''s $HOME'", Shell.quote("it's $HOME"));
    }
}
