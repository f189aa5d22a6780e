package dev.dhtsignal.dht.storage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The framing around every record in the value store's files, so that a reader can tell a complete
 * record from a torn or damaged one without trusting the record's own encoding.
 *
 * <pre>
 *   frame := length  u32, big-endian: payload bytes, 1 .. MAX_PAYLOAD_BYTES
 *            crc     u32, big-endian: CRC32C of the payload
 *            payload length bytes (a MessagePack record, see {@link ValueRecords})
 * </pre>
 *
 * A file is frames back to back, nothing else. {@link #scan} reads them in order and sorts what ends the
 * good part of a file into three cases:
 * <ul>
 *   <li>{@link Ending#COMPLETE}: every byte belongs to a valid frame.
 *   <li>{@link Ending#TORN_TAIL}: the bad part runs to the end of the file: a frame cut short, a last
 *       frame whose checksum fails, or a run of zeros. That is what a crash while appending leaves (a
 *       killed process can cut a write short; after a power loss a file system may keep a grown length
 *       with zeros or stale bytes in it). Safe to cut off.
 *   <li>{@link Ending#DAMAGED}: a frame fails while valid-looking bytes follow it, or a payload with a
 *       good checksum does not decode. A crash does not do that; the disk or someone's hands did.
 * </ul>
 * A corrupted length field in the last frame or two can make damage look like a torn tail; the bound on
 * the length limits what that can cost to one frame.
 */
final class RecordFrames {
    static final int HEADER_BYTES = 8;
    /** Far above any record we write (values are a few KiB); a larger length is damage, not a record. */
    static final int MAX_PAYLOAD_BYTES = 16 << 20;

    private RecordFrames() {
    }

    /** The frame around {@code payload}, ready for one write. */
    static byte[] frame(byte[] payload) {
        if (payload.length < 1 || payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("a record payload is 1.." + MAX_PAYLOAD_BYTES + " bytes, got "
                    + payload.length);
        }
        return ByteBuffer.allocate(HEADER_BYTES + payload.length)
                .putInt(payload.length)
                .putInt((int) crc32c(payload))
                .put(payload)
                .array();
    }

    static long crc32c(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }

    /** How the good part of a file ends. */
    enum Ending { COMPLETE, TORN_TAIL, DAMAGED }

    /**
     * What a scan found.
     *
     * @param validBytes length of the good prefix: the offset where the first bad frame starts, or the
     *                   file's length when complete
     * @param fileBytes  the file's length
     * @param problem    what is wrong at {@code validBytes}, for logs; empty when complete
     */
    record Scan(Ending ending, long validBytes, long fileBytes, String problem) {
        static Scan complete(long length) {
            return new Scan(Ending.COMPLETE, length, length, "");
        }
    }

    /** A payload with a valid checksum that still is not a record the reader accepts. */
    static final class MalformedRecordException extends Exception {
        MalformedRecordException(String message) {
            super(message);
        }

        MalformedRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Receives each payload that passed its checksum, in file order. */
    interface PayloadReader {
        /**
         * @throws MalformedRecordException when the payload is not an acceptable record; the scan stops
         *                                  and reports the file damaged at {@code offset}
         * @throws IOException to abort the scan altogether (say, a format newer than this code)
         */
        void read(long offset, byte[] payload) throws MalformedRecordException, IOException;
    }

    /** Reads the frames of {@code file} in order, handing each good payload to {@code reader}. */
    static Scan scan(Path file, PayloadReader reader) throws IOException {
        long size = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            long offset = 0;
            while (offset < size) {
                long remaining = size - offset;
                if (remaining < HEADER_BYTES) {
                    return torn(offset, size, "a frame header cut off after " + remaining + " bytes");
                }
                long length = Integer.toUnsignedLong(in.readInt());
                long expectedCrc = Integer.toUnsignedLong(in.readInt());
                if (length == 0 && expectedCrc == 0 && restIsZero(in, remaining - HEADER_BYTES)) {
                    return torn(offset, size, (remaining) + " zero bytes");
                }
                if (length < 1 || length > MAX_PAYLOAD_BYTES) {
                    return damaged(offset, size, "impossible record length " + length);
                }
                if (length > remaining - HEADER_BYTES) {
                    return torn(offset, size, "a record of " + length + " bytes cut off after "
                            + (remaining - HEADER_BYTES));
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                boolean last = offset + HEADER_BYTES + length == size;
                if (crc32c(payload) != expectedCrc) {
                    return last
                            ? torn(offset, size, "the last record fails its checksum")
                            : damaged(offset, size, "a record fails its checksum");
                }
                try {
                    reader.read(offset, payload);
                } catch (MalformedRecordException e) {
                    return damaged(offset, size, "a record does not decode: " + e.getMessage());
                }
                offset += HEADER_BYTES + length;
            }
            return Scan.complete(size);
        } catch (EOFException e) {
            // The file shrank while we read it: nobody else may write it, so this is not a crash case.
            throw new IOException(file + " changed while it was being read", e);
        }
    }

    private static boolean restIsZero(DataInputStream in, long bytes) throws IOException {
        byte[] chunk = new byte[8192];
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            in.readFully(chunk, 0, n);
            for (int i = 0; i < n; i++) {
                if (chunk[i] != 0) {
                    return false;
                }
            }
            left -= n;
        }
        return true;
    }

    private static Scan torn(long offset, long size, String problem) {
        return new Scan(Ending.TORN_TAIL, offset, size, problem);
    }

    private static Scan damaged(long offset, long size, String problem) {
        return new Scan(Ending.DAMAGED, offset, size, problem);
    }
}
