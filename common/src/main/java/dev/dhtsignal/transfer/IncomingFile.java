package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file being received: written to a temporary file beside its final name and hashed as it comes;
 * it takes the final name only when all its bytes are in and its SHA-256 matches. Until then, and when
 * it fails, nothing exists under the final name.
 */
final class IncomingFile {
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private final long id;
    private final Path target;
    private final Path temporary;
    private final long size;
    private final boolean replace;
    private final FileChannel out;
    private final MessageDigest sha256;
    private final TransferProgress progress;

    private IncomingFile(long id, Path target, Path temporary, long size, boolean replace, FileChannel out,
                         TransferProgress progress) {
        this.id = id;
        this.target = target;
        this.temporary = temporary;
        this.size = size;
        this.replace = replace;
        this.out = out;
        this.progress = progress;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Creates the temporary file, {@code .NAME.part-RANDOM} in the target's directory, RANDOM being 13
     * characters: 20 bytes more than the name, which {@link SafeFileName#MAX_BYTES} leaves room for.
     */
    static IncomingFile open(long id, Path target, long size, boolean replace, TransferProgress progress)
            throws IOException {
        // Not Files.createTempFile: its owner-only permissions would stay with the file after the rename.
        String random = Long.toUnsignedString(RANDOM.nextLong(), 36);
        Path temporary = target.resolveSibling("." + target.getFileName() + ".part-" + "0".repeat(13 - random.length())
                + random);
        FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        return new IncomingFile(id, target, temporary, size, replace, out, progress);
    }

    long id() {
        return id;
    }

    Path target() {
        return target;
    }

    TransferProgress progress() {
        return progress;
    }

    /** @throws IOException on a disk error, or when more bytes come than the announced size */
    void write(byte[] data) throws IOException {
        if (progress.done() + data.length > size) {
            throw new IOException("more than the announced " + size + " bytes arrived");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        sha256.update(data);
        progress.advance(data.length);
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
            if (progress.done() != size) {
                throw new IOException("only " + progress.done() + " of " + size + " bytes arrived");
            }
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equalsIgnoreCase(String.valueOf(expectedSha256))) {
                throw new IOException("SHA-256 mismatch: the sender has " + expectedSha256 + ", we received " + actual);
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
}
