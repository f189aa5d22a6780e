package dev.dhtsignal.dht.storage;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

/**
 * The records inside the value store's frames ({@link RecordFrames}), each one MessagePack array whose
 * first element says what it is:
 *
 * <pre>
 *   header := ["dhtsignal-values-log", version]                  first record of the log
 *           | ["dhtsignal-values-snapshot", version, entries]    first record of a snapshot
 *   put    := ["put", key, value, storedAtSeconds, storedAtNanos, expiresAtSeconds, expiresAtNanos, source]
 *             key    bin, 20 bytes
 *             value  bin: the value's own MessagePack encoding, kept byte for byte
 *             times  int: Instant.getEpochSecond() and Instant.getNano()
 *             source bin: the network the value came from ({@link SourcePrefix#toBytes}); empty for our own
 * </pre>
 *
 * Version 1 had no source (a put of 7 elements); its values are read as our own. Version 2 files are
 * written from then on, the log and the snapshot alike.
 *
 * <p>Both times are the first store of the value (a re-store of the same value writes nothing), and
 * expiry is an absolute instant, so a restart neither shortens nor extends a value's life.
 * There is no removal record: values only leave by expiring, and expiry is decided from expiresAt when
 * a file is read.
 */
final class ValueRecords {
    static final int VERSION = 2;
    static final String LOG_KIND = "dhtsignal-values-log";
    static final String SNAPSHOT_KIND = "dhtsignal-values-snapshot";
    private static final String PUT = "put";

    private ValueRecords() {
    }

    /** A file's first record: what kind of file it is, its format version and, for a snapshot, its size. */
    record Header(String kind, int version, long entries) {
    }

    static byte[] logHeader() {
        return pack(p -> p.packArrayHeader(2).packString(LOG_KIND).packInt(VERSION));
    }

    static byte[] snapshotHeader(long entries) {
        return pack(p -> p.packArrayHeader(3).packString(SNAPSHOT_KIND).packInt(VERSION).packLong(entries));
    }

    static byte[] put(StoredEntry e) {
        byte[] key = e.key().toBytes();
        byte[] value = e.value().encoded();
        byte[] source = e.source().toBytes();
        return pack(p -> {
            p.packArrayHeader(8).packString(PUT);
            p.packBinaryHeader(key.length).writePayload(key);
            p.packBinaryHeader(value.length).writePayload(value);
            p.packLong(e.storedAt().getEpochSecond()).packInt(e.storedAt().getNano());
            p.packLong(e.expiresAt().getEpochSecond()).packInt(e.expiresAt().getNano());
            p.packBinaryHeader(source.length).writePayload(source);
        });
    }

    /**
     * Reads a header of the given kind.
     *
     * @throws RecordFrames.MalformedRecordException when it is not a header of that kind
     * @throws IOException when it is, but of a newer version than this code reads: refusing is safer than
     *                     guessing, and setting the file aside would hide it from the newer code
     */
    static Header readHeader(byte[] payload, String expectedKind)
            throws RecordFrames.MalformedRecordException, IOException {
        Header header = unpack(payload, u -> {
            int size = u.unpackArrayHeader();
            String kind = size >= 2 ? u.unpackString() : "";
            if (!kind.equals(expectedKind)) {
                throw new RecordFrames.MalformedRecordException("expected a " + expectedKind + " header, got '"
                        + kind + "' with " + size + " elements");
            }
            int version = u.unpackInt();
            long entries = size >= 3 ? u.unpackLong() : 0;
            for (int i = 3; i < size; i++) {
                u.skipValue();  // room for later versions to add fields
            }
            return new Header(kind, version, entries);
        });
        if (header.version() > VERSION) {
            throw new IOException(expectedKind + " format version " + header.version()
                    + " is newer than this program reads (" + VERSION + ")");
        }
        if (header.version() < 1) {
            throw new RecordFrames.MalformedRecordException("format version " + header.version());
        }
        return header;
    }

    /** Reads a put record, checking every field; never returns a half-understood entry. */
    static StoredEntry readPut(byte[] payload) throws RecordFrames.MalformedRecordException {
        return unpack(payload, u -> {
            int size = u.unpackArrayHeader();
            if ((size != 7 && size != 8) || !PUT.equals(u.unpackString())) {
                throw new RecordFrames.MalformedRecordException("not a put record");
            }
            try {
                NodeId key = NodeId.of(u.readPayload(u.unpackBinaryHeader()));
                DhtValue value = DhtValue.fromEncoded(u.readPayload(u.unpackBinaryHeader()));
                Instant storedAt = Instant.ofEpochSecond(u.unpackLong(), u.unpackInt());
                Instant expiresAt = Instant.ofEpochSecond(u.unpackLong(), u.unpackInt());
                SourcePrefix source = size == 8 ? SourcePrefix.fromBytes(u.readPayload(u.unpackBinaryHeader()))
                        : SourcePrefix.LOCAL;
                return new StoredEntry(key, value, storedAt, expiresAt, source);
            } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
                throw new RecordFrames.MalformedRecordException(e.getMessage(), e);
            }
        });
    }

    private interface Writer {
        void write(MessageBufferPacker packer) throws IOException;
    }

    private interface Reader<T> {
        T read(MessageUnpacker unpacker) throws IOException, RecordFrames.MalformedRecordException;
    }

    private static byte[] pack(Writer writer) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            writer.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("packing into memory cannot fail", e);
        }
    }

    /** Unpacks a whole payload: a decoding error or bytes left over make it malformed. */
    private static <T> T unpack(byte[] payload, Reader<T> reader) throws RecordFrames.MalformedRecordException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
            T result = reader.read(u);
            if (u.hasNext()) {
                throw new RecordFrames.MalformedRecordException("trailing bytes after the record");
            }
            return result;
        } catch (MessagePackException | IOException e) {
            throw new RecordFrames.MalformedRecordException(String.valueOf(e.getMessage()), e);
        }
    }
}
