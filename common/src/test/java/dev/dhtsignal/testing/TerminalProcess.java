package dev.dhtsignal.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One of the programs on a pseudo-terminal of a size we choose, as a person runs it: what it draws is kept
 * byte for byte (carriage returns, erase sequences and all), keys can be typed (Ctrl-C included), and the
 * terminal can be resized. Driven by {@code pty-driver.py} (python3's pty support), so no fixed sleeps:
 * every wait is for something on the screen or for the exit.
 */
public final class TerminalProcess implements AutoCloseable {
    private static final Pattern ESCAPE = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]");
    private final String name;
    private final Process process;
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Thread reader;

    private TerminalProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = process.getInputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (screen) {
                        screen.write(buffer, 0, n);
                        screen.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The driver ended.
            }
        }, name + "-terminal");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code program} (its fat jar) in {@code directory} on a terminal of {@code columns} x {@code rows}. */
    public static TerminalProcess start(int columns, int rows, String program, Path directory, List<String> args)
            throws IOException {
        Path driver = Files.createTempFile("pty-driver", ".py");
        try (InputStream in = TerminalProcess.class.getResourceAsStream("pty-driver.py")) {
            Files.write(driver, in.readAllBytes());
        }
        driver.toFile().deleteOnExit();
        List<String> command = new ArrayList<>(List.of("python3", driver.toString(), Integer.toString(columns),
                Integer.toString(rows), "--", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ProgramProcess.jar(program).toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(directory.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("DHT_") || k.equals("ICE_SERVERS") || k.equals("COLUMNS"));
        pb.environment().put("TERM", "xterm");
        return new TerminalProcess(program + "@pty", pb.start());
    }

    /** Types {@code keys} (UTF-8) into the terminal. */
    public void type(String keys) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(keys.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Ctrl-C, as a person presses it: the terminal sends the program SIGINT. */
    public void ctrlC() throws IOException {
        type("\u0003");
    }

    /** Resizes the terminal; the program gets SIGWINCH. */
    public void resize(int columns, int rows) throws IOException {
        type("\u001dR" + columns + "x" + rows + "\n");
    }

    /** Everything drawn so far, as it was written. */
    public String raw() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    /** The offset in {@link #raw()} at which the next output will begin (to look only at what comes after). */
    public int mark() {
        return raw().length();
    }

    /** Waits until what was drawn contains {@code text}; fails naming {@code what} after {@code limit}. */
    public void await(String what, Duration limit, String text) {
        awaitFrom(0, what, limit, text);
    }

    /** As {@link #await}, looking only at what was drawn after {@code from} (see {@link #mark()}). */
    public void awaitFrom(int from, String what, Duration limit, String text) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (screen) {
            while (!screen.toString(StandardCharsets.UTF_8).substring(Math.min(from, screen.size())).contains(text)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + " did not show " + what + " within " + limit.toSeconds() + " s\n"
                            + visible(raw()));
                }
                try {
                    screen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for " + what);
                }
            }
        }
    }

    /**
     * Each piece of text drawn between two carriage returns or line feeds, escape sequences taken out: how
     * wide each thing written at the start of a row was.
     */
    public static List<String> segments(String raw) {
        List<String> out = new ArrayList<>();
        for (String s : ESCAPE.matcher(raw).replaceAll("").split("[\r\n]")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The drawn text with its control characters made visible, for failure messages. */
    public static String visible(String raw) {
        return raw.replace("\u001b", "<ESC>").replace("\r", "<CR>").replace("\n", "<LF>\n");
    }

    /** Waits for the program to end; its exit code (130 after Ctrl-C). */
    public int awaitExit(Duration limit) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running after " + limit.toSeconds() + " s\n" + visible(raw()));
            }
            reader.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + name);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
