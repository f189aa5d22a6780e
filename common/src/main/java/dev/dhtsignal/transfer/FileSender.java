package dev.dhtsignal.transfer;

import dev.dhtsignal.transfer.OutgoingFiles.Entry;
import dev.dhtsignal.transfer.OutgoingFiles.Item;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what {@code --send} names over a {@link PeerSession}, one file after another: the first file's
 * offer tells the receiver the whole offer (how many files, their bytes, the names at its top), so that
 * it can decide once; each file's bytes go in {@link #CHUNK_BYTES} chunks once accepted (from the offset
 * the receiver names when it resumes), then the SHA-256 of the whole file, and the receiver's verdict is
 * awaited before the next. One progress display per file or directory named; one line per outcome.
 */
public final class FileSender {
    private static final Logger log = LoggerFactory.getLogger(FileSender.class);
    /** Chunk size: large enough for full channel speed, small enough for every browser. */
    public static final int CHUNK_BYTES = 64 * 1024;
    /** The names at the top of an offer sent with it: enough to say what it is, and a message stays small. */
    private static final int MAX_TOP_NAMES = 20;

    private final PeerSession session;
    private final CompletableFuture<?> gone;
    private final BiFunction<String, Long, TransferProgress> progress;
    private final Consumer<String> delivered;
    private final Consumer<String> failed;
    private final BlockingQueue<PeerMessage> replies = new LinkedBlockingQueue<>();
    private long nextId = 1;
    private volatile TransferProgress sending;
    private volatile String sendingName;
    /** {@link #inProgress} told how far the file got (the program is stopping): the cut connection is not news. */
    private volatile boolean stopReported;
    private int notDelivered;
    /** Files offered so far, whatever came of them. */
    private int attempted;

    /**
     * @param gone      completes when the connection is no longer usable (the channel closed, the peer left)
     * @param progress  makes the display for a file or directory, given its name and bytes
     * @param delivered gets one line for each file (or directory) delivered whole
     * @param failed    gets one line for each file not delivered, saying why
     */
    public FileSender(PeerSession session, CompletableFuture<?> gone, BiFunction<String, Long, TransferProgress> progress,
                      Consumer<String> delivered, Consumer<String> failed) {
        this.session = session;
        this.gone = gone;
        this.progress = progress;
        this.delivered = delivered;
        this.failed = failed;
        session.onFileReply(replies::add);
    }

    /** Sends everything; returns how many files were not delivered (each was reported). */
    public int sendAll(List<Item> items) {
        List<Entry> all = OutgoingFiles.entries(items);
        List<String> top = items.stream().map(Item::name).distinct().limit(MAX_TOP_NAMES).toList();
        PeerMessage.Extras offer = new PeerMessage.Extras(null, (long) all.size(),
                all.stream().mapToLong(Entry::size).sum(), top, null, null, null, null);
        boolean first = true;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            TransferProgress shown = progress.apply(item.directory() ? item.name() + "/" : item.name(), item.bytes());
            sending = shown;
            int before = notDelivered;
            try {
                for (Entry entry : item.entries()) {
                    sendingName = entry.shown();
                    send(entry, shown, first ? offer : null);
                    first = false;
                }
            } catch (Stopped e) {
                shown.end();
                sending = null;
                // Declined: the file whose offer was declined was not sent either.
                int left = all.size() - attempted + (e.declined ? 1 : 0);
                notDelivered += left;
                if (e.declined) {
                    failed.accept("the receiver declined the offer: " + e.getMessage());
                } else if (left > 0) {
                    failed.accept(left + (left == 1 ? " more file was" : " more files were") + " not sent");
                }
                return notDelivered;
            }
            sending = null;
            shown.end();
            if (item.directory()) {
                int lost = notDelivered - before;
                int files = item.entries().size();
                String verified = lost == 0 ? "every SHA-256 verified by the receiver" : (files - lost) + " of " + files
                        + " delivered, each SHA-256 verified by the receiver";
                if (lost < files || files == 0) {
                    delivered.accept("Sent directory '" + item.name() + "' (" + files + (files == 1 ? " file, " : " files, ")
                            + item.bytes() + " bytes, " + verified + "): " + shown.summary());
                }
            }
        }
        return notDelivered;
    }

    /**
     * How far the file being sent has got, for a message when the program is stopped (the progress bar is
     * erased first, so the message stands alone); null when none.
     */
    public String inProgress() {
        TransferProgress p = sending;
        if (p == null) {
            return null;
        }
        p.end();
        stopReported = true;
        return sendingName + ": " + p.howFar() + " sent";
    }

    private void send(Entry entry, TransferProgress shown, PeerMessage.Extras offer) throws Stopped {
        long id = nextId++;
        String name = entry.shown();
        long before = shown.done();
        attempted++;
        try (FileChannel in = FileChannel.open(entry.path(), StandardOpenOption.READ)) {
            long size = in.size();
            PeerMessage.Extras extras = new PeerMessage.Extras(entry.dir().isEmpty() ? null : entry.dir(),
                    offer == null ? null : offer.files(), offer == null ? null : offer.total(),
                    offer == null ? null : offer.top(), true, null, null, null);
            session.send(PeerMessage.file(id, entry.name(), size).with(extras));
            PeerMessage answer = awaitReply(id, "an answer to our offer");
            if (answer.type().equals(PeerMessage.FILE_REFUSE)) {
                if (Boolean.TRUE.equals(answer.extras().all())) {
                    throw new Stopped(PeerText.shown(answer.reason()), true);
                }
                throw new TransferFailed("the receiver refused it: " + PeerText.shown(answer.reason()));
            }
            if (!answer.type().equals(PeerMessage.FILE_ACCEPT)) {
                throw new TransferFailed("the receiver answered " + PeerText.shown(answer.type()) + ": "
                        + PeerText.shown(answer.reason()));
            }
            long offset = answer.extras().offset() == null ? 0 : answer.extras().offset();
            if (offset < 0 || offset > size) {
                session.trySend(PeerMessage.about(PeerMessage.FILE_CANCEL, id, "an offset outside the file"));
                throw new TransferFailed("the receiver asked to resume at " + offset + ", outside its " + size + " bytes");
            }
            long started = System.nanoTime();
            String sha256 = sendBytes(in, size, offset, shown, id);
            session.send(PeerMessage.fileEnd(id, sha256));
            PeerMessage verdict = awaitReply(id, "the receiver's check");
            if (verdict.type().equals(PeerMessage.FILE_OK)) {
                if (entry.dir().isEmpty()) {
                    shown.end();
                    delivered.accept("Sent file '" + name + "' (" + size + " bytes, SHA-256 verified by the receiver"
                            + (offset > 0 ? ", resumed at " + TransferProgress.bytes(offset) : "") + "): "
                            + shown.summary());
                }
                log.debug("{} sent in {} ms", name, (System.nanoTime() - started) / 1_000_000);
                return;
            }
            throw new TransferFailed("the receiver did not keep it: " + PeerText.shown(verdict.reason()));
        } catch (TransferFailed e) {
            shown.advance(Math.max(0, before + entry.size() - shown.done()));  // the whole display counts it done
            notDelivered++;
            shown.end();
            failed.accept(name + ": " + e.getMessage());
        } catch (IOException e) {
            notDelivered++;
            shown.end();
            failed.accept(name + ": reading it failed: " + e.getMessage());
        } catch (IllegalStateException e) {
            notDelivered++;
            shown.end();
            // What the channel said ("not open (state CLOSING)" ...) is detail for -v; the program says why it ended.
            log.debug("sending {} stopped: {}", name, e.getMessage());
            if (!stopReported) {  // one line per outcome: stopped, the program already said how far it got
                failed.accept(name + ": the connection ended after " + shown.howFar() + " had been sent");
            }
            throw new Stopped("the connection ended", false);
        }
    }

    private String sendBytes(FileChannel in, long size, long offset, TransferProgress shown, long id)
            throws IOException, TransferFailed {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        // Direct buffers: the file is read straight into them and the channel takes them without a copy
        // into the Java heap. One for every full chunk (the channel copies it before send returns); the
        // last, shorter chunk gets its own, because a direct buffer is sent whole.
        ByteBuffer fullChunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        long position = 0;
        // The receiver has the bytes before the offset: they are hashed here, not sent, so that the hash
        // still covers the whole file.
        while (position < offset) {
            ByteBuffer chunk = fullChunk.clear().limit((int) Math.min(CHUNK_BYTES, offset - position));
            readFully(in, chunk, id, position);
            chunk.flip();
            sha256.update(chunk);
            position += chunk.limit();
        }
        shown.skip(offset);
        while (position < size) {
            int length = (int) Math.min(CHUNK_BYTES, size - position);
            ByteBuffer chunk = length == CHUNK_BYTES ? fullChunk.clear() : ByteBuffer.allocateDirect(length);
            readFully(in, chunk, id, position);
            chunk.flip();
            sha256.update(chunk.duplicate());
            session.sendChunk(chunk);
            position += length;
            shown.advance(length);
            PeerMessage early = replies.poll();
            if (early != null) {
                // Only a failure comes before the end: the receiver could not write, or got too much.
                throw new TransferFailed("the receiver stopped it: " + PeerText.shown(early.reason()));
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private void readFully(FileChannel in, ByteBuffer chunk, long id, long position) throws IOException, TransferFailed {
        while (chunk.hasRemaining()) {
            if (in.read(chunk) < 0) {
                session.trySend(PeerMessage.about(PeerMessage.FILE_CANCEL, id, "the file shrank while it was sent"));
                throw new TransferFailed("it shrank to " + (position + chunk.position()) + " bytes while it was sent");
            }
        }
    }

    private PeerMessage awaitReply(long id, String what) throws TransferFailed {
        try {
            while (true) {
                PeerMessage m = replies.poll(50, TimeUnit.MILLISECONDS);
                if (m != null && m.id() != null && m.id() == id) {
                    return m;
                }
                if (m == null && gone.isDone()) {
                    throw new IllegalStateException("the connection ended while waiting for " + what);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferFailed("interrupted while waiting for " + what);
        }
    }

    /** One file could not be delivered; the message says why. */
    private static final class TransferFailed extends Exception {
        TransferFailed(String message) {
            super(message);
        }
    }

    /** Nothing more of the offer goes: the receiver declined it all, or the connection ended. */
    private static final class Stopped extends Exception {
        final boolean declined;

        Stopped(String message, boolean declined) {
            super(message);
            this.declined = declined;
        }
    }
}
