package dev.dhtsignal.pake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The short codes this user has already tried a key exchange with, on this machine: an offerer does not run
 * a code again once it has checked a reply to it (made by it or given to it), and an answerer does not run
 * a code again once it has replied to a claim of it. Each try can test one guess of the words; the public
 * "this code is spent" marker on the DHT can be erased by anyone, this memory cannot.
 *
 * <p>What is kept: one line per code, the hex SHA-256 of {@code "webrtc-dht-signaling/pake/v1/spent\n"},
 * the role ({@code offerer} or {@code answerer}), a newline and the canonical code ({@code 7-guitarist-revenge});
 * never the words in clear. A code has about 29 bits (a nameplate and 16 bits of words), so whoever can read
 * the file can find the codes by trying them all; those codes are spent and open nothing (docs/security.md).
 * The file is {@code $XDG_CACHE_HOME/webrtc-dht-signaling/spent-codes} ({@code ~/.cache/...} without that
 * variable), created readable and writable by its owner only, in a directory only the owner can enter, and
 * holds the newest {@link #LIMIT} codes: an older one is forgotten.
 *
 * <p>A file that cannot be read or written never stops a program: it is warned about once and the program goes
 * on (remembering in memory for its own run). Several programs may use the file at once: each read and
 * write is made under a lock on the file.
 */
public final class SpentCodes {
    /** Whose try it was: an offerer's code and an answerer's are remembered apart. */
    public enum Role { OFFERER, ANSWERER }

    /** The most codes kept: about 130 KiB of file. */
    static final int LIMIT = 2048;
    private static final String LABEL = "webrtc-dht-signaling/pake/v1/spent\n";
    private static final java.util.Map<Path, Object> IN_THIS_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final Consumer<String> warn;
    /** Spent in this run, kept even when the file cannot be written. */
    private final Set<String> here = new LinkedHashSet<>();
    private boolean warned;

    private SpentCodes(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
    }

    /** The user's memory: {@code $XDG_CACHE_HOME/webrtc-dht-signaling/spent-codes} (or under {@code ~/.cache}). */
    public static SpentCodes forUser(Consumer<String> warn) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return new SpentCodes(base.resolve("webrtc-dht-signaling").resolve("spent-codes"), warn);
    }

    /** A memory kept in {@code file}. */
    public static SpentCodes in(Path file, Consumer<String> warn) {
        return new SpentCodes(file, warn);
    }

    /** A memory of this process only: for tools that play a third party, which keeps no such promise. */
    public static SpentCodes inMemory() {
        return new SpentCodes(null, w -> { });
    }

    /** Whether this role has tried {@code code} here before. */
    public synchronized boolean isSpent(Role role, ShortCode code) {
        String entry = entry(role, code);
        if (here.contains(entry)) {
            return true;
        }
        if (file == null) {
            return false;
        }
        try {
            return Files.exists(file) && readLocked().contains(entry);
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot read the spent short codes in " + file + " (" + describe(e) + "); going on without them");
            return false;
        }
    }

    /** Remembers that this role has tried {@code code}: called before the try can leave this machine. */
    public synchronized void spend(Role role, ShortCode code) {
        String entry = entry(role, code);
        here.add(entry);
        if (file == null) {
            return;
        }
        try {
            appendLocked(entry);
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot remember the spent short code in " + file + " (" + describe(e) + "); it is remembered "
                    + "for this run only");
        }
    }

    static String entry(Role role, ShortCode code) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] hash = sha.digest((LABEL + role.name().toLowerCase(java.util.Locale.ROOT) + "\n" + code)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }

    private List<String> readLocked() throws IOException {
        synchronized (inThisProcess(file)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                 FileLock lock = channel.lock(0, Long.MAX_VALUE, true)) {
                return entries(read(channel));
            }
        }
    }

    /**
     * A file lock is held by the process, not the thread: two channels of one process locking the same file
     * fail (OverlappingFileLockException). So within a process the file's users take turns on this.
     */
    private static Object inThisProcess(Path file) {
        return IN_THIS_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new Object());
    }

    /** Adds an entry, keeping the newest {@link #LIMIT}; rewrites the file in place when it is over that. */
    private void appendLocked(String entry) throws IOException {
        Files.createDirectories(file.getParent(), ownerOnly("rwx------"));
        synchronized (inThisProcess(file)) {
            appendUnderLock(entry);
        }
    }

    private void appendUnderLock(String entry) throws IOException {
        try (FileChannel channel = FileChannel.open(file, creating(), ownerOnly("rw-------"));
             FileLock lock = channel.lock()) {
            List<String> entries = entries(read(channel));
            if (entries.contains(entry)) {
                return;
            }
            if (entries.size() < LIMIT) {
                channel.write(ByteBuffer.wrap((entry + "\n").getBytes(StandardCharsets.US_ASCII)), channel.size());
                return;
            }
            List<String> kept = new ArrayList<>(entries.subList(entries.size() - LIMIT + 1, entries.size()));
            kept.add(entry);
            byte[] all = (String.join("\n", kept) + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(all), 0);
        }
    }

    private static Set<StandardOpenOption> creating() {
        return Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static String read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > (LIMIT + 16) * 80L) {
            throw new IOException("it is " + size + " bytes, far more than " + LIMIT + " codes take");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // reads until full
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    }

    /** The well-formed lines (64 hex digits); anything else (a torn write, an edit) is skipped. */
    private static List<String> entries(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.matches("[0-9a-f]{64}")) {
                out.add(line);
            }
        }
        return out;
    }

    private static FileAttribute<?>[] ownerOnly(String permissions) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private void warnOnce(String message) {
        if (!warned) {
            warned = true;
            warn.accept(message);
        }
    }
}
