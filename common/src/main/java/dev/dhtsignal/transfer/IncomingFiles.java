package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides about the files the other side offers and receives them one at a time: refuses them all
 * when not receiving, refuses unsafe names and existing files (unless told to overwrite), and answers
 * each with {@code file-ok} or {@code file-failed}. Runs on the channel's message thread, except
 * {@link #abort}.
 */
public final class IncomingFiles {
    private static final Logger log = LoggerFactory.getLogger(IncomingFiles.class);

    private final Path directory;
    private final boolean overwrite;
    private final BiFunction<String, Long, TransferProgress> progress;
    private final Consumer<String> report;
    private final List<String> failures = new ArrayList<>();
    private IncomingFile current;
    private long droppedChunks;

    private IncomingFiles(Path directory, boolean overwrite, BiFunction<String, Long, TransferProgress> progress,
                          Consumer<String> report) {
        this.directory = directory;
        this.overwrite = overwrite;
        this.progress = progress;
        this.report = report;
    }

    /** Refuses every file, saying how to receive them. */
    public static IncomingFiles refusing(Consumer<String> report) {
        return new IncomingFiles(null, false, null, report);
    }

    /**
     * Receives into {@code directory}.
     *
     * @param progress makes the display for a file, given its name and size
     * @param report   gets one line per file saying how it ended
     */
    public static IncomingFiles into(Path directory, boolean overwrite, BiFunction<String, Long, TransferProgress> progress,
                                     Consumer<String> report) {
        return new IncomingFiles(directory, overwrite, progress, report);
    }

    /** Files that were offered and not kept, each with the reason; read after the session ended. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    synchronized void onOffer(PeerMessage m, PeerSession session) {
        long id = m.id() == null ? -1 : m.id();
        String refusal = refusal(m);
        if (refusal != null) {
            report.accept("Refused file '" + m.name() + "': " + refusal);
            session.trySend(PeerMessage.about(PeerMessage.FILE_REFUSE, id, refusal));
            return;
        }
        Path target = directory.resolve(SafeFileName.of(m.name()));
        try {
            current = IncomingFile.open(id, target, m.size(), overwrite, progress.apply(target.getFileName().toString(), m.size()));
        } catch (IOException e) {
            String reason = "cannot write in " + directory + ": " + e.getMessage();
            failures.add(target.getFileName() + ": " + reason);
            report.accept("Refused file '" + m.name() + "': " + reason);
            session.trySend(PeerMessage.about(PeerMessage.FILE_REFUSE, id, reason));
            return;
        }
        session.trySend(PeerMessage.about(PeerMessage.FILE_ACCEPT, id, null));
    }

    /** Why a file offer is refused, or null to accept it. */
    private String refusal(PeerMessage m) {
        if (directory == null) {
            return "not receiving files (start the receiving side with --receive)";
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
        if (!overwrite && Files.exists(directory.resolve(name))) {
            return name + " exists (use --force to overwrite)";
        }
        return null;
    }

    synchronized void onChunk(byte[] data, PeerSession session) {
        if (current == null) {
            // After a failed file the sender goes on until it reads our reply; its chunks are dropped, quietly.
            if (++droppedChunks == 1) {
                log.debug("dropping file data with no file being received");
            }
            return;
        }
        try {
            current.write(data);
        } catch (IOException e) {
            fail(e.getMessage(), session);
        }
    }

    synchronized void onEnd(PeerMessage m, PeerSession session) {
        if (current == null || m.id() == null || m.id() != current.id()) {
            log.warn("ignored the end of file {}, which is not being received", m.id());
            return;
        }
        IncomingFile file = current;
        current = null;
        try {
            file.complete(m.sha256());
            file.progress().finish("Received", "SHA-256 verified");
            report.accept("Received file '" + file.target().getFileName() + "' (" + file.progress().done()
                    + " bytes, SHA-256 verified) as " + file.target());
            session.trySend(PeerMessage.about(PeerMessage.FILE_OK, file.id(), null));
        } catch (IOException e) {
            file.progress().finish("Received", "not kept");
            failures.add(file.target().getFileName() + ": " + e.getMessage());
            report.accept("File '" + file.target().getFileName() + "' not kept: " + e.getMessage());
            session.trySend(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), e.getMessage()));
        }
    }

    synchronized void onCancel(PeerMessage m, PeerSession session) {
        if (current != null && m.id() != null && m.id() == current.id()) {
            IncomingFile file = current;
            current = null;
            file.discard();
            file.progress().finish("Received", "cancelled by the sender");
            failures.add(file.target().getFileName() + ": the sender cancelled it (" + m.reason() + ")");
            report.accept("File '" + file.target().getFileName() + "' not kept: the sender cancelled it after "
                    + file.progress().howFar() + " (" + m.reason() + ")");
        }
    }

    /** The connection ended or we are stopping: a file still coming is deleted, saying how far it got. */
    public synchronized void abort(String why) {
        if (current == null) {
            return;
        }
        IncomingFile file = current;
        current = null;
        file.discard();
        file.progress().interrupted();
        failures.add(file.target().getFileName() + ": " + why);
        report.accept("File '" + file.target().getFileName() + "' not kept: " + why + " after "
                + file.progress().howFar() + " had arrived");
    }

    private void fail(String reason, PeerSession session) {
        IncomingFile file = current;
        current = null;
        file.discard();
        file.progress().interrupted();
        failures.add(file.target().getFileName() + ": " + reason);
        report.accept("File '" + file.target().getFileName() + "' not kept: " + reason);
        session.trySend(PeerMessage.about(PeerMessage.FILE_FAILED, file.id(), reason));
    }
}
