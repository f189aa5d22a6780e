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
 * Decides about the files the other side offers and receives them one at a time. An offer (one file, or
 * the first file of several, which announces them all) is put to the {@link Consent} once, before any
 * byte flows; the files of a taken offer then come without asking, as long as they stay within what it
 * announced. Each file is still checked: unsafe names, existing files (unless told to overwrite), files
 * larger than the free space or {@link ReceiveLimits#maxSize}, offers past {@link ReceiveLimits#maxFiles};
 * a file whose bytes stop coming for {@link ReceiveLimits#stallTimeout} is dropped; each is answered with
 * {@code file-ok} or {@code file-failed}. Runs on the channel's message thread, except the consent's
 * answer, {@link #abort} and the stall check.
 */
public final class IncomingFiles {
    private static final Logger log = LoggerFactory.getLogger(IncomingFiles.class);
    /** Looks for stalled files of every connection; one daemon thread for the process. */
    private static final ScheduledExecutorService STALLS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "file-stall-check");
        t.setDaemon(true);
        return t;
    });

    private final ReceivePlace place;
    private final ReceiveLimits limits;
    private final Consent consent;
    private final BiFunction<String, Long, TransferProgress> progress;
    private final Consumer<String> report;
    private final List<String> failures = new ArrayList<>();
    private IncomingOffer offer;
    /** The offer waiting for the consent's answer, and where to send that answer. */
    private PeerMessage pending;
    private IncomingFile current;
    /** Replies for the file being received, kept for the stall check, which runs on its own thread. */
    private Consumer<PeerMessage> currentReplies;
    private long currentStarted;
    private long lastProgressNanos;
    private ScheduledFuture<?> stallCheck;
    private long offers;
    private long droppedChunks;

    private IncomingFiles(ReceivePlace place, ReceiveLimits limits, Consent consent,
                          BiFunction<String, Long, TransferProgress> progress, Consumer<String> report) {
        this.place = place;
        this.limits = limits;
        this.consent = consent;
        this.progress = progress;
        this.report = report;
    }

    /** Takes every file into {@code directory} without asking (the receiver said so in advance). */
    public static IncomingFiles into(Path directory, boolean overwrite, ReceiveLimits limits,
                                     BiFunction<String, Long, TransferProgress> progress, Consumer<String> report) {
        return receiving(directory, overwrite, false, limits, Consent.ALWAYS, progress, report);
    }

    /** Refuses every offer with {@code reason} (said to the sender), one line each here. */
    public static IncomingFiles refusing(String reason, Consumer<String> report) {
        return receiving(Path.of("."), false, false, ReceiveLimits.DEFAULTS, (offer, answer) -> answer.accept(reason),
                (name, size) -> new TransferProgress(null, name, size, System::nanoTime), report);
    }

    /**
     * Receives into {@code directory}, asking {@code consent} about each offer.
     *
     * @param allowHidden take names that start with a dot
     * @param progress    makes the display for an offer, given its name and bytes
     * @param report      gets one line per file (or directory) saying how it ended
     */
    public static IncomingFiles receiving(Path directory, boolean overwrite, boolean allowHidden, ReceiveLimits limits,
                                          Consent consent, BiFunction<String, Long, TransferProgress> progress,
                                          Consumer<String> report) {
        return new IncomingFiles(new ReceivePlace(directory, overwrite, allowHidden), limits, consent, progress, report);
    }

    /**
     * Files that were taken and then not kept (failed, cut off), each with the reason; read after the session
     * ended. Files refused are not among them: refusing is the receiver's own decision.
     */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Whether a file is coming, or an offer waits for an answer: leaving now would cut it off. */
    public synchronized boolean busy() {
        return current != null || pending != null;
    }

    /** Whether the other side offered any file. */
    public synchronized boolean offered() {
        return offers > 0;
    }

    /** @param replies sends our answer to the other side ({@code file-accept}, {@code file-refuse}, ...) */
    synchronized void onOffer(PeerMessage m, Consumer<PeerMessage> replies) {
        long id = m.id() == null ? -1 : m.id();
        offers++;
        String refusal = null;
        if (offers > limits.maxFiles()) {
            refusal = "this receiver takes at most " + limits.maxFiles() + " files per connection (--max-files)";
        } else if (m.id() == null || m.size() == null || m.size() < 0) {
            refusal = "the offer has no id or size";
        } else if (current != null || pending != null) {
            refusal = "another file (" + (current != null ? current.target().getFileName() : pending.name())
                    + ") is still coming";
        }
        if (refusal != null) {
            refuse(m, id, refusal, replies);
            return;
        }
        PeerMessage.Extras x = m.extras();
        if (x.files() != null || offer == null || !offer.hasFilesLeft()) {
            startOffer(m);
        } else if (offer.decided() && !offer.taken()) {
            // A later file of a declined offer (from a sender that goes on): refused, without a line each.
            offer.settled(m.size());
            replies.accept(PeerMessage.about(PeerMessage.FILE_REFUSE, id, offer.refusal()).with(allOfIt()));
            return;
        } else {
            String outside = offer.outside(x.dir(), m.name(), m.size());
            if (outside != null) {
                refuse(m, id, outside, replies);
                return;
            }
            take(m, replies);
            return;
        }
        pending = m;
        consent.decide(offer.announced, answer -> decided(m, replies, answer));
    }

    private void startOffer(PeerMessage m) {
        if (offer != null) {
            endOffer();
        }
        PeerMessage.Extras x = m.extras();
        long files = x.files() != null && x.files() > 0 ? x.files() : 1;
        long bytes = x.total() != null && x.total() >= m.size() ? x.total() : m.size();
        List<String> top = x.top() != null ? x.top() : List.of(x.dir() != null && !x.dir().isEmpty() ? x.dir().get(0)
                : String.valueOf(m.name()));
        // A sender lists at most 20 names; with fewer than the files, a full list must hold every one.
        offer = new IncomingOffer(files, bytes, top, x.top() == null || top.size() < 20);
    }

    private synchronized void decided(PeerMessage m, Consumer<PeerMessage> replies, String answer) {
        if (pending != m) {
            return;  // the connection ended meanwhile
        }
        pending = null;
        offer.decide(answer);
        if (answer != null) {
            offer.settled(m.size());
            replies.accept(PeerMessage.about(PeerMessage.FILE_REFUSE, m.id(), answer).with(allOfIt()));
            report.accept("Refused " + offer.announced.describe() + ": " + answer);
            return;
        }
        take(m, replies);
    }

    private static PeerMessage.Extras allOfIt() {
        return new PeerMessage.Extras(null, null, null, null, null, null, true, null);
    }

    /** The file's own checks, then it is opened and accepted (from where a kept part ends). */
    private void take(PeerMessage m, Consumer<PeerMessage> replies) {
        long id = m.id();
        Path target;
        try {
            target = place.target(m.extras().dir(), m.name());
        } catch (IllegalArgumentException e) {
            refuse(m, id, e.getMessage(), replies);
            return;
        }
        String refusal = sizeRefusal(m.size());
        if (refusal == null) {
            refusal = place.existsRefusal(target);
        }
        if (refusal != null) {
            refuse(m, id, refusal, replies);
            return;
        }
        String shown = place.shown(target);
        List<String> dir = m.extras().dir();
        offer.inDirectory(dir == null || dir.isEmpty() ? null : place.shown(target).split("/")[0],
                dir == null || dir.isEmpty() ? null : place.directory().resolve(shown.split("/")[0]).toString(), report);
        try {
            place.makeDirectories(target);
            current = IncomingFile.open(id, target, m.size(), place.overwrite(), Boolean.TRUE.equals(m.extras().resume()));
        } catch (IOException e) {
            refuse(m, id, "cannot write " + shown + " in " + place.directory() + ": " + e.getMessage(), replies);
            return;
        }
        if (offer.progress() == null) {
            offer.progress(progress.apply(offer.announced.files() == 1 ? shown : offer.announced.describe(),
                    offer.announced.bytes()));
        }
        offer.progress().skip(current.offset());
        currentReplies = replies;
        currentStarted = System.nanoTime();
        lastProgressNanos = currentStarted;
        // Checked every second (more often for short limits): a stalled file goes within a second of its limit.
        long every = Math.max(10, Math.min(1_000, limits.stallTimeout().toMillis() / 4));
        stallCheck = STALLS.scheduleWithFixedDelay(this::checkStalled, every, every, TimeUnit.MILLISECONDS);
        replies.accept(PeerMessage.about(PeerMessage.FILE_ACCEPT, id, null).with(current.offset() == 0 ? PeerMessage.Extras.NONE
                : new PeerMessage.Extras(null, null, null, null, null, current.offset(), null, null)));
    }

    private void refuse(PeerMessage m, long id, String refusal, Consumer<PeerMessage> replies) {
        replies.accept(PeerMessage.about(PeerMessage.FILE_REFUSE, id, refusal));
        if (offer != null && offer.hasFilesLeft() && m.size() != null) {
            offer.settled(m.size());
        }
        String name = shownName(m);
        // Each refusal gets a line up to the first past --max-files; then one says so.
        long lastReported = limits.maxFiles() + 1L;
        if (offers <= lastReported) {
            report.accept("Refused file '" + name + "': " + refusal
                    + (offers == lastReported ? "; further offers are refused without a line each" : ""));
        }
        settleOfferIfDone();
    }

    private static String shownName(PeerMessage m) {
        List<String> dir = m.extras().dir();
        String name = String.valueOf(m.name());
        return PeerText.shown(dir == null || dir.isEmpty() ? name : String.join("/", dir) + "/" + name);
    }

    /** Why a file of {@code size} bytes is too large here, or null when it is not. */
    private String sizeRefusal(long size) {
        if (size > limits.maxSize()) {
            return "it is " + TransferProgress.bytes(size) + ", more than this receiver's --max-size of "
                    + TransferProgress.bytes(limits.maxSize());
        }
        try {
            FileStore store = Files.getFileStore(place.directory());
            long usable = store.getUsableSpace();
            long keptFree = ReceiveLimits.spaceKeptFree(store.getTotalSpace());
            if (size <= usable - keptFree) {
                return null;
            }
            return "it is " + TransferProgress.bytes(size) + " and only " + TransferProgress.bytes(usable)
                    + " are free on the receiving disk (" + TransferProgress.bytes(keptFree) + " of it is kept free)";
        } catch (IOException e) {
            return "the free space of " + place.directory() + " cannot be read: " + e.getMessage();
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
            offer.progress().advance(data.length);
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
        String shown = place.shown(file.target());
        try {
            file.complete(m.sha256());
            if (inDirectory(file)) {
                offer.directoryFileKept(file.size());
            } else {
                if (!offer.hasFilesLeft()) {
                    offer.progress().end();  // the offer's last file: its line takes the bar's place
                }
                report.accept("Received file '" + shown + "' (" + file.size() + " bytes, SHA-256 verified"
                        + (file.offset() > 0 ? ", resumed at " + TransferProgress.bytes(file.offset()) : "") + ") as "
                        + file.target() + ": " + TransferProgress.summary(file.size() - file.offset(),
                        System.nanoTime() - currentStarted));
            }
            replies.accept(PeerMessage.about(PeerMessage.FILE_OK, file.id(), null));
        } catch (IOException e) {
            notKept(file, PeerText.shown(e.getMessage()));
            replies.accept(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), e.getMessage()));
        }
        settleOfferIfDone();
    }

    synchronized void onCancel(PeerMessage m) {
        if (current != null && m.id() != null && m.id() == current.id()) {
            IncomingFile file = settle();
            file.discard();
            notKept(file, "the sender cancelled it after " + TransferProgress.bytes(file.received()) + " ("
                    + PeerText.shown(m.reason()) + ")");
            settleOfferIfDone();
        }
    }

    /**
     * The connection ended or we are stopping: a question still open is dropped, and a file still coming
     * keeps what has arrived for a resume (when its sender can resume) or is deleted, saying how far it got.
     */
    public synchronized void abort(String why) {
        pending = null;
        if (current != null) {
            IncomingFile file = settle();
            boolean kept = file.keepOrDiscard();
            if (offer.progress() != null) {
                offer.progress().end();
            }
            String howFar = TransferProgress.bytes(file.received()) + " of " + TransferProgress.bytes(file.size())
                    + " (" + (file.size() == 0 ? 100 : file.received() * 100 / file.size()) + "%)";
            notKept(file, why + " after " + howFar + " had arrived" + (kept ? "; what arrived is kept, and the transfer "
                    + "goes on from there when the same file is sent here again" : ""));
        }
        if (offer != null) {
            endOffer();
        }
    }

    /** On the stall-check thread: drops the file being received when nothing of it came for too long. */
    private synchronized void checkStalled() {
        if (current == null || System.nanoTime() - lastProgressNanos < limits.stallTimeout().toNanos()) {
            return;
        }
        String reason = "nothing of it arrived for " + ReceiveLimits.shown(limits.stallTimeout())
                + " (the receiver's --stall-timeout) after " + TransferProgress.bytes(current.received()) + " of "
                + TransferProgress.bytes(current.size()) + " (" + (current.received() * 100 / Math.max(1, current.size()))
                + "%)";
        fail(reason, currentReplies);
    }

    private void fail(String reason, Consumer<PeerMessage> replies) {
        IncomingFile file = settle();
        file.discard();
        notKept(file, reason);
        replies.accept(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), reason));
        settleOfferIfDone();
    }

    /** One line for a file not kept (the progress display is erased first, so it stands alone). */
    private void notKept(IncomingFile file, String reason) {
        String shown = place.shown(file.target());
        if (inDirectory(file)) {
            offer.directoryFileFailed();
        }
        if (offer.progress() != null && !offer.hasFilesLeft()) {
            offer.progress().end();
        }
        failures.add(shown + ": " + reason);
        report.accept("File '" + shown + "' not kept: " + reason);
    }

    private boolean inDirectory(IncomingFile file) {
        return !file.target().getParent().equals(place.directory());
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
        offer.settled(file.size());
        return file;
    }

    private void settleOfferIfDone() {
        if (offer != null && !offer.hasFilesLeft() && current == null && pending == null) {
            endOffer();
        }
    }

    private void endOffer() {
        offer.flushDirectory(report);
        if (offer.progress() != null) {
            offer.progress().end();
        }
        offer = null;
    }
}
