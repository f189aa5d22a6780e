package dev.dhtsignal.rtc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A per-user directory of native libraries extracted from jars, so that a program extracts a library once
 * instead of on every start (webrtc-java's is 23 MB: copying it out of the jar took a fifth of a second of
 * CPU at each start).
 *
 * <p>A copy is named after the library's size and CRC-32 as the jar records them, so another version of
 * the library gets a file of its own, and is checked against both before every use (reading 23 MB from the
 * page cache and summing it takes milliseconds; inflating it from the jar takes a hundred or more). The
 * checksum guards against damage; against other users the permissions guard: the directory must belong to
 * the user running the program and be writable by nobody else, and so must each copy, or the cache is
 * refused and the caller falls back to a private temporary copy.
 *
 * <p>Two programs starting at once may both extract the same library: each writes a temporary file of
 * its own in the directory and renames it into place atomically, so a reader sees either no copy or a
 * whole one.
 */
final class NativeLibraryCache {
    private static final Logger log = LoggerFactory.getLogger(NativeLibraryCache.class);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    /** Temporary files older than this are left over from a program that died while extracting. */
    private static final Duration ABANDONED_AFTER = Duration.ofMinutes(10);
    private static final String PARTIAL_SUFFIX = ".partial";

    /** A library inside a jar: what to call it, the size and CRC-32 the jar records, and its bytes. */
    record Entry(String fileName, long size, long crc32, Source source) {
        /** The cached copy's name: the library's own name with size and checksum before the extension. */
        String cachedName() {
            int dot = fileName.lastIndexOf('.');
            String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
            String extension = dot > 0 ? fileName.substring(dot) : "";
            return stem + "-" + size + "-" + String.format(Locale.ROOT, "%08x", crc32) + extension;
        }
    }

    /** Opens the library's bytes, when they must be extracted. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    private final Path dir;

    NativeLibraryCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The directory programs of this user share: {@code $XDG_CACHE_HOME/webrtc-dht-signaling/native}, or
     * under {@code ~/.cache} when that variable is unset.
     */
    static NativeLibraryCache forCurrentUser() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return new NativeLibraryCache(base.resolve("webrtc-dht-signaling").resolve("native"));
    }

    Path dir() {
        return dir;
    }

    /**
     * A verified copy of {@code entry} in this cache, extracted now if there was none or the one there
     * was damaged.
     *
     * @throws IOException when the cache cannot be used: not creatable or writable, not owned by this user,
     *                     writable by others, or the extracted bytes do not match the jar's record
     */
    Path copyOf(Entry entry) throws IOException {
        UserPrincipal me = currentUser();
        prepareDirectory(me);
        Path cached = dir.resolve(entry.cachedName());
        if (Files.exists(cached, LinkOption.NOFOLLOW_LINKS)) {
            requireOwnedAndPrivate(cached, me, false);
            if (matches(cached, entry)) {
                return cached;
            }
            log.warn("cached native library {} is damaged; extracting it again", cached);
        }
        extract(entry, cached);
        return cached;
    }

    private void prepareDirectory(UserPrincipal me) throws IOException {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(dir + " exists and is not a directory", e);
        }
        requireOwnedAndPrivate(dir, me, true);
    }

    /** Refuses a file or directory that is a link, belongs to someone else, or that others may write. */
    private static void requireOwnedAndPrivate(Path path, UserPrincipal me, boolean directory) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (directory ? !attributes.isDirectory() : !attributes.isRegularFile()) {
            throw new IOException(path + " is not a " + (directory ? "directory" : "regular file"));
        }
        if (!attributes.owner().equals(me)) {
            throw new IOException(path + " belongs to " + attributes.owner().getName() + ", not " + me.getName());
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(path + " may be written by other users ("
                    + PosixFilePermissions.toString(permissions) + ")");
        }
    }

    private UserPrincipal currentUser() throws IOException {
        return dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(System.getProperty("user.name"));
    }

    /** Whether {@code file} has the entry's size and CRC-32. */
    static boolean matches(Path file, Entry entry) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (channel.size() != entry.size()) {
                return false;
            }
            // Read, not mapped: a mapping would stay until a garbage collection and count in the RSS twice
            // with the library's own mapping.
            CRC32 crc = new CRC32();
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 18);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                crc.update(buffer);
                buffer.clear();
            }
            return crc.getValue() == entry.crc32();
        }
    }

    private void extract(Entry entry, Path target) throws IOException {
        removeAbandonedPartials();
        Path partial = Files.createTempFile(dir, entry.cachedName() + ".", PARTIAL_SUFFIX); // created 0600
        try {
            CRC32 crc = new CRC32();
            long written;
            try (InputStream in = new CheckedInputStream(entry.source().open(), crc);
                 OutputStream out = Files.newOutputStream(partial, StandardOpenOption.WRITE)) {
                written = in.transferTo(out);
            }
            if (written != entry.size() || crc.getValue() != entry.crc32()) {
                throw new IOException("the native library read from the jar does not match the jar's record ("
                        + written + " bytes, CRC-32 " + Long.toHexString(crc.getValue()) + ")");
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically in " + dir, e);
            }
            log.debug("extracted native library to {}", target);
        } finally {
            Files.deleteIfExists(partial);
        }
        removeOtherVersions(entry, target);
    }

    /** Temporary files of extractions that never finished (their program died): no one will rename them. */
    private void removeAbandonedPartials() {
        Instant abandoned = Instant.now().minus(ABANDONED_AFTER);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, "*" + PARTIAL_SUFFIX)) {
            for (Path p : partials) {
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(abandoned)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            log.debug("could not tidy {}: {}", dir, e.toString());
        }
    }

    /**
     * Copies of other versions of the same library, left by earlier versions of the programs. A program
     * still running one of them keeps its mapping; one about to load it finds it gone and falls back to a
     * temporary copy.
     */
    private void removeOtherVersions(Entry entry, Path keep) {
        int dot = entry.fileName().lastIndexOf('.');
        String stem = dot > 0 ? entry.fileName().substring(0, dot) : entry.fileName();
        String extension = dot > 0 ? entry.fileName().substring(dot) : "";
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, stem + "-*-*" + extension)) {
            for (Path p : copies) {
                if (!p.equals(keep)) {
                    Files.deleteIfExists(p);
                    log.debug("removed {}, a copy of another version", p);
                }
            }
        } catch (IOException e) {
            log.debug("could not tidy {}: {}", dir, e.toString());
        }
    }
}
