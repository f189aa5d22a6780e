package dev.dhtsignal.cli;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to run the other peer program the way this one was run, for the command printed for the other side:
 * {@code answerer} when this program was started by its installed launcher on the {@code PATH}, the
 * launcher's path beside ours when it was started by a path ({@code target/package/.../bin/answerer}), and
 * {@code java -jar} with the other jar when this one ran with {@code java -jar} (beside ours, or in the
 * build's layout, {@code answerer/target/answerer.jar} for {@code offerer/target/offerer.jar}).
 *
 * <p>The launcher names itself in the system property {@value #LAUNCHER_PROPERTY} (packaging/launcher.sh.in):
 * nothing else tells a JVM which script started it.
 */
public final class ProgramInvocation {
    /** Set by the launcher to its {@code $0}: the path the shell ran it by. */
    public static final String LAUNCHER_PROPERTY = "dhtsignal.launcher";

    private ProgramInvocation() {
    }

    /** The shell words that run {@code program} ("answerer") here, in the form this program was run in. */
    public static String of(String program, String self) {
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher != null && !launcher.isBlank()) {
            Path ours = Path.of(launcher);
            Path theirs = ours.resolveSibling(program);
            if (Files.isRegularFile(theirs)) {
                return onPath(program).filter(found -> same(found, theirs)).isPresent() ? program : Shell.quote(theirs.toString());
            }
        }
        return ourJar().flatMap(jar -> otherJar(jar, self, program))
                .map(jar -> "java -jar " + Shell.quote(shown(jar)))
                .orElse("java -jar " + program + ".jar");
    }

    private static Optional<Path> ourJar() {
        try {
            var source = ProgramInvocation.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path p = Path.of(source.getLocation().toURI());
            return p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The other program's jar: beside ours, or in the build's layout (PROGRAM/target/PROGRAM.jar). */
    static Optional<Path> otherJar(Path ours, String self, String program) {
        Path beside = ours.resolveSibling(program + ".jar");
        if (Files.isRegularFile(beside)) {
            return Optional.of(beside);
        }
        Path target = ours.getParent();
        Path module = target == null ? null : target.getParent();
        if (module != null && module.getFileName() != null && module.getFileName().toString().equals(self)
                && module.getParent() != null) {
            Path built = module.getParent().resolve(program).resolve(target.getFileName()).resolve(program + ".jar");
            if (Files.isRegularFile(built)) {
                return Optional.of(built);
            }
        }
        return Optional.empty();
    }

    /** Relative to the working directory when it lies below it (as a person types it), else absolute. */
    private static String shown(Path jar) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = jar.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean same(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
