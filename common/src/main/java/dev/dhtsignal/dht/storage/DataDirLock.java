package dev.dhtsignal.dht.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, so that two servers never write the same files. It is an OS
 * file lock on {@code DIR/data-dir.lock}, released by the OS when the process dies however it dies, so
 * a crash never leaves a stale lock behind. The file holds the owner's pid, for the error message of
 * whoever finds it locked.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = "data-dir.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or fails at once, naming the directory and, if known, the process holding it. */
    static DataDirLock acquire(Path dir) throws IOException {
        return Uninterruptible.call(() -> lock(dir));
    }

    private static DataDirLock lock(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IOException("data directory " + dir + " is already open in this process");
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("data directory " + dir + " is in use by another process"
                    + owner(file) + " (" + file.getFileName() + " is locked); stop it or choose another directory");
        }
        try {
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
        } catch (IOException e) {
            // The pid is only a courtesy for error messages; the lock is what matters.
        }
        if (!lock.isValid()) {
            // An interrupt from another thread during the write above closes the channel and the lock.
            channel.close();
            throw new IOException("interrupted while locking data directory " + dir);
        }
        return new DataDirLock(channel, lock);
    }

    private static String owner(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return pid.matches("\\d{1,10}") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
