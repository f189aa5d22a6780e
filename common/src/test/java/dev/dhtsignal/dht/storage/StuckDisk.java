package dev.dhtsignal.dht.storage;

import dev.dhtsignal.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A disk that hangs, for one file: a named pipe where the store will write its next snapshot. Opening
 * it for writing blocks until someone opens it for reading, which {@link #release} does (and reads all),
 * so a compaction stays stuck exactly as long as a test wants. Afterwards the store's fsync of the pipe
 * fails, so that compaction ends as a failed one, which loses nothing (the log keeps every record).
 */
public final class StuckDisk implements AutoCloseable {
    private final Path pipe;
    private Thread reader;

    private StuckDisk(Path pipe) {
        this.pipe = pipe;
    }

    /** Where the store in {@code dir} writes a new snapshot. */
    public static Path snapshotTempIn(Path dir) {
        return AtomicFile.tempFor(dir.resolve(FileValueStore.SNAPSHOT_FILE));
    }

    public static StuckDisk at(Path file) throws IOException, InterruptedException {
        Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        if (mkfifo.waitFor() != 0) {
            throw new IOException("mkfifo " + file + " failed");
        }
        return new StuckDisk(file);
    }

    /** Whether a store's writer thread is blocked opening the pipe: the compaction is stuck. */
    public static boolean writerIsStuck() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("values-writer"))
                .anyMatch(e -> {
                    for (StackTraceElement frame : e.getValue()) {
                        if (frame.getClassName().equals("java.io.FileOutputStream") && frame.getMethodName().startsWith("open")) {
                            return true;
                        }
                    }
                    return false;
                });
    }

    /** Whether a store's writer thread waits for work: nothing queued, no compaction under way. */
    public static boolean writerIsIdle() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("values-writer"))
                .anyMatch(e -> e.getKey().getState() == Thread.State.WAITING && java.util.Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getMethodName().equals("take")));
    }

    /** Waits until the writer thread is stuck on the pipe. */
    public static void awaitStuck() {
        Await.until("the store's writer to block on the pipe", Duration.ofSeconds(60), StuckDisk::writerIsStuck);
    }

    /** Lets the writer go on: reads the pipe to its end in the background. */
    public synchronized void release() {
        if (reader != null) {
            return;
        }
        reader = new Thread(() -> {
            try (InputStream in = Files.newInputStream(pipe)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the store deleted the pipe after its failed fsync: nothing left to read
            }
        }, "stuck-disk-reader");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void close() throws InterruptedException {
        release();
        reader.join(60_000);
    }
}
