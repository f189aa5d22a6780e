package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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
 * Sends files one after another over a {@link PeerSession}: offers each, sends its bytes in
 * {@link #CHUNK_BYTES} chunks once accepted (the session keeps the send buffer bounded), then its
 * SHA-256, and waits for the receiver's verdict before the next.
 */
public final class FileSender {
    private static final Logger log = LoggerFactory.getLogger(FileSender.class);
    /** Chunk size: large enough for full channel speed, small enough for every browser. */
    public static final int CHUNK_BYTES = 64 * 1024;

    private final PeerSession session;
    private final CompletableFuture<?> gone;
    private final BiFunction<String, Long, TransferProgress> progress;
    private final Consumer<String> report;
    private final BlockingQueue<PeerMessage> replies = new LinkedBlockingQueue<>();
    private long nextId = 1;
    private volatile TransferProgress sending;
    private volatile String sendingName;

    /**
     * @param gone completes when the connection is no longer usable (the channel closed, the peer left)
     */
    public FileSender(PeerSession session, CompletableFuture<?> gone, BiFunction<String, Long, TransferProgress> progress,
                      Consumer<String> report) {
        this.session = session;
        this.gone = gone;
        this.progress = progress;
        this.report = report;
        session.onFileReply(replies::add);
    }

    /** Sends every file; returns those not delivered, each with the reason. */
    public List<String> sendAll(List<Path> files) {
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            try {
                send(file);
            } catch (TransferFailed e) {
                TransferProgress shown = sending;
                sending = null;
                if (shown != null) {
                    shown.interrupted();
                }
                failures.add(file.getFileName() + ": " + e.getMessage());
                report.accept("File '" + file.getFileName() + "' not delivered: " + e.getMessage());
            }
        }
        return failures;
    }

    /**
     * How far the file being sent has got, for a message when the program is stopped (the progress bar's
     * line is ended first, so the message stands alone); null when none.
     */
    public String inProgress() {
        TransferProgress p = sending;
        if (p == null) {
            return null;
        }
        p.interrupted();
        return sendingName + ": " + p.howFar() + " sent";
    }

    private void send(Path file) throws TransferFailed {
        long id = nextId++;
        String name = file.getFileName().toString();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            session.send(PeerMessage.file(id, name, size));
            PeerMessage answer = awaitReply(id, "an answer to our offer");
            if (answer.type().equals(PeerMessage.FILE_REFUSE)) {
                throw new TransferFailed("the receiver refused it: " + PeerText.shown(answer.reason()));
            }
            if (!answer.type().equals(PeerMessage.FILE_ACCEPT)) {
                throw new TransferFailed("the receiver answered " + PeerText.shown(answer.type()) + ": " + PeerText.shown(answer.reason()));
            }
            TransferProgress shown = progress.apply(name, size);
            sending = shown;
            sendingName = name;
            String sha256 = sendBytes(in, size, shown, id);
            session.send(PeerMessage.fileEnd(id, sha256));
            PeerMessage verdict = awaitReply(id, "the receiver's check");
            sending = null;
            if (verdict.type().equals(PeerMessage.FILE_OK)) {
                shown.finish("Sent", "SHA-256 verified by the receiver");
                report.accept("Sent file '" + name + "' (" + size + " bytes, SHA-256 verified by the receiver)");
                return;
            }
            shown.finish("Sent", "not kept by the receiver");
            throw new TransferFailed("the receiver did not keep it: " + PeerText.shown(verdict.reason()));
        } catch (IOException e) {
            throw new TransferFailed("reading it failed: " + e.getMessage());
        } catch (IllegalStateException e) {
            TransferProgress p = sending;
            sending = null;
            if (p != null) {
                p.interrupted();
            }
            // What the channel said ("not open (state CLOSING)" ...) is detail for -v; the program says why it ended.
            log.debug("sending {} stopped: {}", name, e.getMessage());
            throw new TransferFailed("the connection ended" + (p == null ? "" : " after " + p.howFar() + " had been sent"));
        }
    }

    private String sendBytes(FileChannel in, long size, TransferProgress shown, long id) throws IOException, TransferFailed {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long sent = 0;
        // Direct buffers: the file is read straight into them and the channel takes them without a copy
        // into the Java heap. One for every full chunk (the channel copies it before send returns); the
        // last, shorter chunk gets its own, because a direct buffer is sent whole.
        ByteBuffer fullChunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        while (sent < size) {
            int length = (int) Math.min(CHUNK_BYTES, size - sent);
            ByteBuffer chunk = length == CHUNK_BYTES ? fullChunk.clear() : ByteBuffer.allocateDirect(length);
            while (chunk.hasRemaining()) {
                if (in.read(chunk) < 0) {
                    session.trySend(PeerMessage.about(PeerMessage.FILE_CANCEL, id, "the file shrank while it was sent"));
                    throw new TransferFailed("it shrank to " + (sent + chunk.position()) + " bytes while it was sent");
                }
            }
            chunk.flip();
            sha256.update(chunk.duplicate());
            session.sendChunk(chunk);
            sent += length;
            shown.advance(length);
            PeerMessage early = replies.poll();
            if (early != null) {
                // Only a failure comes before the end: the receiver could not write, or got too much.
                throw new TransferFailed("the receiver stopped it: " + PeerText.shown(early.reason()));
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private PeerMessage awaitReply(long id, String what) throws TransferFailed {
        try {
            while (true) {
                PeerMessage m = replies.poll(50, TimeUnit.MILLISECONDS);
                if (m != null && m.id() != null && m.id() == id) {
                    return m;
                }
                if (m == null && gone.isDone()) {
                    TransferProgress p = sending;
                    throw new TransferFailed("the connection ended while waiting for " + what
                            + (p == null ? "" : ", after " + p.howFar() + " had been sent"));
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
}
