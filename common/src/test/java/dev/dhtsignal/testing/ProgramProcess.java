package dev.dhtsignal.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One of the programs started as a real process ({@code java -jar <jar> args}), with its standard
 * output kept line by line and its standard error kept whole, for tests that check transcripts.
 */
public final class ProgramProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> stdout = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();
    private final Thread outReader;
    private final Thread errReader;

    private ProgramProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.outReader = pump(process.getInputStream(), name + "-stdout", line -> {
            synchronized (stdout) {
                stdout.add(line);
                stdout.notifyAll();
            }
        });
        this.errReader = pump(process.getErrorStream(), name + "-stderr", line -> {
            synchronized (stderr) {
                stderr.append(line).append('\n');
                stderr.notifyAll();
            }
        });
    }

    /** The fat jar of a program, e.g. {@code jar("dht-server")} is {@code dht-server/target/dht-server.jar}. */
    public static Path jar(String program) {
        Path root = Path.of(System.getProperty("project.root", ".."));
        Path jar = root.resolve(program).resolve("target").resolve(program + ".jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; build with 'mvn package' first");
        }
        return jar;
    }

    public static ProgramProcess start(String program, Map<String, String> env, String... args) throws IOException {
        return startWrapped(List.of(), program, env, args);
    }

    /**
     * Starts a program under a wrapper command, e.g. {@code ip netns exec host1} to run it on another
     * (namespaced) host.
     */
    public static ProgramProcess startWrapped(List<String> wrapper, String program, Map<String, String> env,
                                              String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar(program).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("DHT_") || k.equals("ICE_SERVERS"));
        pb.environment().put("XDG_CACHE_HOME", cacheHome().toString());
        pb.environment().putAll(env);
        return new ProgramProcess(wrapper.isEmpty() ? program : program + "@" + String.join(" ", wrapper), pb.start());
    }

    /**
     * A wrapper that lets a program take Ctrl-C: a process started from a script in the background
     * inherits SIGINT ignored, and the JVM then keeps ignoring it; perl restores the default first.
     */
    public static final List<String> TAKES_SIGINT = List.of("perl", "-e",
            "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"", "--");

    /**
     * Starts a program on a terminal of its own ({@code script} allocates one), so it behaves as it does
     * for a person; its standard output and standard error both arrive as this object's stdout then.
     * Arguments must not need quoting for the shell.
     */
    public static ProgramProcess startOnTerminal(String program, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar(program).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", String.join(" ", command), "/dev/null");
        pb.environment().keySet().removeIf(k -> k.startsWith("DHT_"));
        pb.environment().put("XDG_CACHE_HOME", cacheHome().toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new ProgramProcess(program + "@terminal", pb.start());
    }

    private static Path cacheHome;

    /**
     * The programs' cache directory ({@code XDG_CACHE_HOME}), one per test JVM under {@code target/}: what a
     * program remembers there (the short codes it has tried) must not reach the user's own, nor a later
     * run of the tests. A test may give another in {@code env}.
     */
    public static synchronized Path cacheHome() throws IOException {
        if (cacheHome == null) {
            Path target = Path.of("target");
            cacheHome = Files.isDirectory(target) ? Files.createTempDirectory(target.toAbsolutePath(), "program-cache-")
                    : Files.createTempDirectory("program-cache-");
        }
        return cacheHome;
    }

    public static ProgramProcess start(String program, String... args) throws IOException {
        return start(program, Map.of(), args);
    }

    private static Thread pump(InputStream in, String threadName, java.util.function.Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // The process ended; nothing more to read.
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for a stdout line matching {@code wanted}; fails naming it, with both streams, after {@code limit}. */
    public String awaitLine(String what, Duration limit, Predicate<String> wanted) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (stdout) {
            int seen = 0;
            while (true) {
                for (; seen < stdout.size(); seen++) {
                    if (wanted.test(stdout.get(seen))) {
                        return stdout.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + " did not print " + what + " within " + limit.toSeconds() + " s\n" + transcript());
                }
                try {
                    stdout.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for " + what);
                }
            }
        }
    }

    /** Waits until standard error contains {@code text}; fails naming {@code what} after {@code limit}. */
    public void awaitStderr(String what, Duration limit, String text) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!stderr().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not print " + what + " within " + limit.toSeconds() + " s\n" + transcript());
            }
            try {
                synchronized (stderr) {
                    stderr.wait(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    public String awaitLine(String exactLine, Duration limit) {
        return awaitLine("'" + exactLine + "'", limit, exactLine::equals);
    }

    /** Waits for the process to exit and for its output to be read; fails naming it after {@code limit}. */
    public int awaitExit(Duration limit) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running after " + limit.toSeconds() + " s\n" + transcript());
            }
            outReader.join(5_000);
            errReader.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + name + " to exit");
        }
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    public List<String> stdoutLines() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, as a service manager would stop it. Sent with kill(1), not {@link Process#destroy()}:
     * that also closes our ends of the process's pipes, and what it prints while stopping would be lost.
     */
    public void terminate() {
        signal("TERM");
    }

    /** SIGKILL, as a crash or a pulled plug ends a program: it says nothing to anyone. */
    public void kill() {
        signal("KILL");
    }

    /** SIGSTOP: the program stops where it is, its connections still up, as a stalled sender looks from outside. */
    public void stop() {
        signal("STOP");
    }

    /** SIGCONT, after {@link #stop}. */
    public void resume() {
        signal("CONT");
    }

    /** SIGINT, as Ctrl-C does (start the program {@link #TAKES_SIGINT} for it to take effect). */
    public void interrupt() {
        signal("INT");
    }

    private void signal(String name) {
        try {
            int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (rc != 0 && process.isAlive()) {
                throw new AssertionError("kill -" + name + " " + process.pid() + " failed with " + rc);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while sending SIG" + name);
        }
    }

    public String transcript() {
        return "--- " + name + " stdout ---\n" + String.join("\n", stdoutLines()) + "\n--- " + name + " stderr ---\n" + stderr();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
