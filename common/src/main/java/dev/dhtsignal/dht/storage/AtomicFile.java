package dev.dhtsignal.dht.storage;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a whole file so that, whenever the process or the machine stops, the file holds either all of
 * the old content or all of the new:
 * <ol>
 *   <li>write the new content to {@code NAME.tmp} and fsync it, so its bytes are on disk;
 *   <li>rename it over {@code NAME} in one step ({@code rename(2)} is atomic);
 *   <li>fsync the directory, so the rename itself survives a power loss.
 * </ol>
 * A crash before step 2 leaves only a stray {@code NAME.tmp}, never the sole copy of anything; readers
 * remove it with {@link #removeLeftoverTemp}. Directory fsync is how Linux and macOS make a rename
 * durable; it is not supported on Windows.
 */
final class AtomicFile {
    private static final Logger log = LoggerFactory.getLogger(AtomicFile.class);

    private AtomicFile() {
    }

    /** Produces a file's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    static Path tempFor(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    /**
     * Replaces {@code target} with {@code content}. When this returns, the new content is durable; when it
     * throws, {@code target} may be old or new (if only the last step failed) but is never partial.
     */
    static void write(Path target, Content content) throws IOException {
        Path temp = tempFor(target);
        // FileOutputStream rather than FileChannel: a channel closes itself when the calling thread is
        // interrupted, and writers here run on threads the node may interrupt while shutting down.
        try (FileOutputStream file = new FileOutputStream(temp.toFile());
             BufferedOutputStream out = new BufferedOutputStream(file, 1 << 16)) {
            content.writeTo(out);
            out.flush();
            file.getFD().sync();
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        syncDirectory(target.getParent());
    }

    /** Makes renames and creations in {@code dir} durable. */
    static void syncDirectory(Path dir) throws IOException {
        Uninterruptible.call(() -> {
            try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                channel.force(true);
            }
            return null;
        });
    }

    /** Deletes a temp file a crash left behind while replacing {@code target}; true if there was one. */
    static boolean removeLeftoverTemp(Path target) throws IOException {
        Path temp = tempFor(target);
        if (Files.deleteIfExists(temp)) {
            log.info("removed {}, left over from a write interrupted by a crash; {} is intact", temp,
                    target.getFileName());
            return true;
        }
        return false;
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", temp, e.toString());
        }
    }
}
