package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * One file being received: written to a temporary file beside its final name and hashed as it comes;
 * it takes the final name only when all its bytes are in and its SHA-256 matches. Until then, and when
 * it fails, nothing exists under the final name.
 *
 * <p>When the sender can resume, the temporary name is the same for the same name and size
 * ({@code .NAME.part-SIZE}, the size in base 36), and an interrupted transfer leaves its part there: the
 * next offer of the same file into the same directory finds it, hashes what it holds, and asks for the
 * rest only. The final hash check covers the whole file, kept part and new bytes, so a part that is not
 * the start of the file sent fails the check (and is deleted) instead of being kept.
 */
final class IncomingFile {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The characters after ".part-": 13 base-36 digits hold any long, and the name's room allows 20 bytes. */
    private static final int SUFFIX = 13;
    private final long id;
    private final Path target;
    private final Path temporary;
    private final long size;
    private final boolean replace;
    private final boolean resumable;
    private final FileChannel out;
    private final MessageDigest sha256;
    private final long offset;
    private long received;

    private IncomingFile(long id, Path target, Path temporary, long size, boolean replace, boolean resumable,
                         FileChannel out, MessageDigest sha256, long offset) {
        this.id = id;
        this.target = target;
        this.temporary = temporary;
        this.size = size;
        this.replace = replace;
        this.resumable = resumable;
        this.out = out;
        this.sha256 = sha256;
        this.offset = offset;
        this.received = offset;
    }

    /**
     * Creates the temporary file in the target's directory, or, when {@code resumable} and a part of this
     * file is there from before, opens it to go on from its end. Links are never followed.
     */
    static IncomingFile open(long id, Path target, long size, boolean replace, boolean resumable) throws IOException {
        MessageDigest sha256 = sha256();
        if (!resumable) {
            // Not Files.createTempFile: its owner-only permissions would stay with the file after the rename.
            Path temporary = partName(target, Long.toUnsignedString(RANDOM.nextLong(), 36));
            FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            return new IncomingFile(id, target, temporary, size, replace, false, out, sha256, 0);
        }
        Path temporary = partName(target, Long.toString(size, 36));
        long kept = 0;
        if (Files.isRegularFile(temporary, LinkOption.NOFOLLOW_LINKS)) {
            kept = Files.size(temporary);
            if (kept > size) {
                kept = 0;  // not a start of this file: start again
            }
        }
        FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            out.truncate(kept);
            hashPrefix(out, kept, sha256);
            out.position(kept);
        } catch (IOException e) {
            out.close();
            throw e;
        }
        return new IncomingFile(id, target, temporary, size, replace, true, out, sha256, kept);
    }

    private static Path partName(Path target, String suffix) {
        return target.resolveSibling("." + target.getFileName() + ".part-" + "0".repeat(SUFFIX - suffix.length()) + suffix);
    }

    /** The bytes kept from an earlier transfer are hashed from disk, so the final hash covers the whole file. */
    private static void hashPrefix(FileChannel in, long length, MessageDigest sha256) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        long position = 0;
        while (position < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
            int n = in.read(buffer, position);
            if (n < 0) {
                throw new IOException("the kept part shrank while it was read");
            }
            buffer.flip();
            sha256.update(buffer);
            position += n;
        }
    }

    long id() {
        return id;
    }

    Path target() {
        return target;
    }

    /** Bytes kept from an earlier transfer, which the sender need not send again. */
    long offset() {
        return offset;
    }

    long received() {
        return received;
    }

    long size() {
        return size;
    }

    /** @throws IOException on a disk error, or when more bytes come than the announced size */
    void write(byte[] data) throws IOException {
        if (received + data.length > size) {
            throw new IOException("more than the announced " + size + " bytes arrived");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        sha256.update(data);
        received += data.length;
    }

    /**
     * Checks size and hash, then renames the file to its final name.
     *
     * @throws IOException saying what did not match, or why the rename failed; the temporary file is gone then
     */
    void complete(String expectedSha256) throws IOException {
        try {
            out.force(false);
            out.close();
            if (received != size) {
                throw new IOException("only " + received + " of " + size + " bytes arrived");
            }
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equalsIgnoreCase(String.valueOf(expectedSha256))) {
                throw new IOException("SHA-256 mismatch: the sender has " + expectedSha256 + ", we received " + actual
                        + (offset > 0 ? " (the part kept from before was not the start of this file; it is deleted)" : ""));
            }
            if (replace) {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(temporary, target);
            }
        } catch (FileAlreadyExistsException e) {
            discard();
            throw new IOException(target.getFileName() + " appeared meanwhile (use --force to overwrite)");
        } catch (IOException e) {
            discard();
            throw e;
        }
    }

    /**
     * The transfer was cut off (the connection ended, the program stopped): a resumable file keeps what it
     * has under its temporary name, on disk, for the next offer of it; returns whether it did.
     */
    boolean keepOrDiscard() {
        if (!resumable || received == 0) {
            discard();
            return false;
        }
        try {
            out.force(false);
            out.close();
            return true;
        } catch (IOException e) {
            discard();
            return false;
        }
    }

    /** Drops what was received; the final name is never touched. */
    void discard() {
        try {
            out.close();
        } catch (IOException ignored) {
            // Deleting it below is what matters.
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            // Left behind under its temporary name only; say where.
            System.err.println("could not delete " + temporary + ": " + e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
