package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides about the files the other side offers and receives them one at a time: refuses them all
 * when not receiving, refuses unsafe names, existing files (unless told to overwrite), files larger than
 * the free space or {@link ReceiveLimits#maxSize}, and offers past {@link ReceiveLimits#maxFiles}; drops a
 * file whose bytes stop coming for {@link ReceiveLimits#stallTimeout}; and answers each file with
 * {@code file-ok} or {@code file-failed}. Runs on the channel's message thread, except {@link #abort} and
 * the stall check.
 */
public final class IncomingFiles {
    private static final Logger log = LoggerFactory.getLogger(IncomingFiles.class);
    /** Refusals reported one by one when not receiving at all; beyond, they are counted quietly. */
    private static final int REPORTED_WHEN_NOT_RECEIVING = 10;
    /** Looks for stalled files of every connection; one daemon thread for the process. */
    private static final ScheduledExecutorService STALLS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "file-stall-check");
        t.setDaemon(true);
        return t;
    });

    private final Path directory;
    private final boolean overwrite;
    private final ReceiveLimits limits;
    private final BiFunction<String, Long, TransferProgress> progress;
    private final Consumer<String> report;
    private final List<String> failures = new ArrayList<>();
    private IncomingFile current;
    /** Replies for the file being received, kept for the stall check, which runs on its own thread. */
    private Consumer<PeerMessage> currentReplies;
    private long lastProgressNanos;
    private ScheduledFuture<?> stallCheck;
    private long offers;
    private long droppedChunks;

    private IncomingFiles(Path directory, boolean overwrite, ReceiveLimits limits,
                          BiFunction<String, Long, TransferProgress> progress, Consumer<String> report) {
        this.directory = directory;
        this.overwrite = overwrite;
        this.limits = limits;
        this.progress = progress;
        this.report = report;
    }

    /** Refuses every file, saying how to receive them. */
    public static IncomingFiles refusing(Consumer<String> report) {
        return new IncomingFiles(null, false, ReceiveLimits.DEFAULTS, null, report);
    }

    /**
     * Receives into {@code directory}.
     *
     * @param progress makes the display for a file, given its (safe) name and size
     * @param report   gets one line per file saying how it ended
     */
    public static IncomingFiles into(Path directory, boolean overwrite, ReceiveLimits limits,
                                     BiFunction<String, Long, TransferProgress> progress, Consumer<String> report) {
        return new IncomingFiles(directory, overwrite, limits, progress, report);
    }

    /** Files that were offered and not kept, each with the reason; read after the session ended. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** @param replies sends our answer to the other side ({@code file-accept}, {@code file-refuse}, ...) */
    synchronized void onOffer(PeerMessage m, Consumer<PeerMessage> replies) {
        long id = m.id() == null ? -1 : m.id();
        offers++;
        String refusal = refusal(m);
        if (refusal != null) {
            replies.accept(PeerMessage.about(PeerMessage.FILE_REFUSE, id, refusal));
            // Each refusal gets a line up to the last that may (the first past --max-files); then one says so.
            long lastReported = directory == null ? REPORTED_WHEN_NOT_RECEIVING : limits.maxFiles() + 1L;
            if (offers <= lastReported) {
                report.accept("Refused file '" + PeerText.shown(m.name()) + "': " + refusal
                        + (offers == lastReported ? "; further offers are refused without a line each" : ""));
            }
            return;
        }
        Path target = directory.resolve(SafeFileName.of(m.name()));
        String shownName = target.getFileName().toString();
        try {
            current = IncomingFile.open(id, target, m.size(), overwrite, progress.apply(shownName, m.size()));
        } catch (IOException e) {
            String reason = "cannot write in " + directory + ": " + e.getMessage();
            failures.add(shownName + ": " + reason);
            report.accept("Refused file '" + shownName + "': " + reason);
            replies.accept(PeerMessage.about(PeerMessage.FILE_REFUSE, id, reason));
            return;
        }
        currentReplies = replies;
        lastProgressNanos = System.nanoTime();
        // Checked every second (more often for short limits): a stalled file goes within a second of its limit.
        long every = Math.max(10, Math.min(1_000, limits.stallTimeout().toMillis() / 4));
        stallCheck = STALLS.scheduleWithFixedDelay(this::checkStalled, every, every, TimeUnit.MILLISECONDS);
        replies.accept(PeerMessage.about(PeerMessage.FILE_ACCEPT, id, null));
    }

    /** Why a file offer is refused, or null to accept it. */
    private String refusal(PeerMessage m) {
        if (directory == null) {
            return "not receiving files (start the receiving side with --receive)";
        }
        if (offers > limits.maxFiles()) {
            return "this receiver takes at most " + limits.maxFiles() + " files per connection (--max-files)";
        }
        if (m.id() == null || m.size() == null || m.size() < 0) {
            return "the offer has no id or size";
        }
        if (current != null) {
            return "another file (" + current.target().getFileName() + ") is still coming";
        }
        String name;
        try {
            name = SafeFileName.of(m.name());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (m.size() > limits.maxSize()) {
            return "it is " + TransferProgress.bytes(m.size()) + ", more than this receiver's --max-size of "
                    + TransferProgress.bytes(limits.maxSize());
        }
        String space = spaceRefusal(m.size());
        if (space != null) {
            return space;
        }
        if (!overwrite && Files.exists(directory.resolve(name))) {
            return name + " exists (use --force to overwrite)";
        }
        return null;
    }

    /** Why a file of {@code size} bytes does not fit on the receiving disk, or null when it does. */
    private String spaceRefusal(long size) {
        try {
            FileStore store = Files.getFileStore(directory);
            long usable = store.getUsableSpace();
            long keptFree = ReceiveLimits.spaceKeptFree(store.getTotalSpace());
            if (size <= usable - keptFree) {
                return null;
            }
            return "it is " + TransferProgress.bytes(size) + " and only " + TransferProgress.bytes(usable)
                    + " are free on the receiving disk (" + TransferProgress.bytes(keptFree) + " of it is kept free)";
        } catch (IOException e) {
            return "the free space of " + directory + " cannot be read: " + e.getMessage();
        }
    }

    synchronized void onChunk(byte[] data, Consumer<PeerMessage> replies) {
        if (current == null) {
            // After a failed file the sender goes on until it reads our reply; its chunks are dropped, quietly.
            if (++droppedChunks == 1) {
                log.debug("dropping file data with no file being received");
            }
            return;
        }
        lastProgressNanos = System.nanoTime();
        try {
            current.write(data);
        } catch (IOException e) {
            fail(e.getMessage(), replies);
        }
    }

    synchronized void onEnd(PeerMessage m, Consumer<PeerMessage> replies) {
        if (current == null || m.id() == null || m.id() != current.id()) {
            log.debug("ignored the end of file {}, which is not being received", m.id());
            return;
        }
        IncomingFile file = settle();
        try {
            file.complete(m.sha256());
            file.progress().finish("Received", "SHA-256 verified");
            report.accept("Received file '" + file.target().getFileName() + "' (" + file.progress().done()
                    + " bytes, SHA-256 verified) as " + file.target());
            replies.accept(PeerMessage.about(PeerMessage.FILE_OK, file.id(), null));
        } catch (IOException e) {
            file.progress().finish("Received", "not kept");
            failures.add(file.target().getFileName() + ": " + e.getMessage());
            report.accept("File '" + file.target().getFileName() + "' not kept: " + PeerText.shown(e.getMessage()));
            replies.accept(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), e.getMessage()));
        }
    }

    synchronized void onCancel(PeerMessage m) {
        if (current != null && m.id() != null && m.id() == current.id()) {
            IncomingFile file = settle();
            file.discard();
            file.progress().finish("Received", "cancelled by the sender");
            String reason = PeerText.shown(m.reason());
            failures.add(file.target().getFileName() + ": the sender cancelled it (" + reason + ")");
            report.accept("File '" + file.target().getFileName() + "' not kept: the sender cancelled it after "
                    + file.progress().howFar() + " (" + reason + ")");
        }
    }

    /** The connection ended or we are stopping: a file still coming is deleted, saying how far it got. */
    public synchronized void abort(String why) {
        if (current == null) {
            return;
        }
        IncomingFile file = settle();
        file.discard();
        file.progress().interrupted();
        failures.add(file.target().getFileName() + ": " + why);
        report.accept("File '" + file.target().getFileName() + "' not kept: " + why + " after "
                + file.progress().howFar() + " had arrived");
    }

    /** On the stall-check thread: drops the file being received when nothing of it came for too long. */
    private synchronized void checkStalled() {
        if (current == null || System.nanoTime() - lastProgressNanos < limits.stallTimeout().toNanos()) {
            return;
        }
        IncomingFile file = current;
        String reason = "nothing of it arrived for " + ReceiveLimits.shown(limits.stallTimeout())
                + " (the receiver's --stall-timeout) after " + file.progress().howFar();
        fail(reason, currentReplies);
    }

    private void fail(String reason, Consumer<PeerMessage> replies) {
        IncomingFile file = settle();
        file.discard();
        file.progress().interrupted();
        failures.add(file.target().getFileName() + ": " + reason);
        report.accept("File '" + file.target().getFileName() + "' not kept: " + reason);
        replies.accept(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), reason));
    }

    /** The file being received is done with, one way or another: no more stall checks for it. */
    private IncomingFile settle() {
        IncomingFile file = current;
        current = null;
        currentReplies = null;
        if (stallCheck != null) {
            stallCheck.cancel(false);
            stallCheck = null;
        }
        return file;
    }
}
