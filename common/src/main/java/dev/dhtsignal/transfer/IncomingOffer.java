package dev.dhtsignal.transfer;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One offer being received: what the sender announced (files, bytes, names at its top), whether the
 * receiver took it, how much of it is left, and the directory whose files are arriving, so that a
 * directory gets one line when its files are done instead of one line each.
 */
final class IncomingOffer {
    final Consent.Offer announced;
    /** Whether the names at the top were all sent (a long list is cut short: then names are not checked). */
    private final boolean topComplete;
    private final Set<String> top;
    private long filesLeft;
    private long bytesLeft;
    /** Null until decided; then "" when taken, or the reason it was refused. */
    private String refusal;
    private TransferProgress progress;

    private String directory;        // the top directory whose files are arriving, or null
    private String directoryPlace;   // where it is, as shown
    private int directoryFiles;
    private long directoryBytes;
    private int directoryFailed;
    private long directoryStarted;

    IncomingOffer(long files, long bytes, List<String> top, boolean topComplete) {
        this.announced = new Consent.Offer(files, bytes, top);
        this.top = new HashSet<>(top);
        this.topComplete = topComplete;
        this.filesLeft = files;
        this.bytesLeft = bytes;
    }

    boolean decided() {
        return refusal != null;
    }

    boolean taken() {
        return "".equals(refusal);
    }

    String refusal() {
        return refusal;
    }

    void decide(String why) {
        refusal = why == null ? "" : why;
    }

    boolean hasFilesLeft() {
        return filesLeft > 0;
    }

    /** Why a file does not belong to this offer as announced, or null when it does. */
    String outside(List<String> dir, String name, long size) {
        if (size > bytesLeft) {
            return "it is more than the offer announced (" + TransferProgress.bytes(announced.bytes()) + " in all)";
        }
        String first = dir != null && !dir.isEmpty() ? dir.get(0) : name;
        if (topComplete && !top.contains(first)) {
            return "'" + PeerText.shown(first) + "' was not among the names the offer announced";
        }
        return null;
    }

    /** One file of the offer is settled, kept or not; {@code size} as it was offered. */
    void settled(long size) {
        filesLeft--;
        bytesLeft = Math.max(0, bytesLeft - size);
    }

    TransferProgress progress() {
        return progress;
    }

    void progress(TransferProgress p) {
        progress = p;
    }

    /** A file of a directory arrives; another directory's line is printed first when one was in progress. */
    void inDirectory(String top, String place, Consumer<String> report) {
        if (top != null && top.equals(directory)) {
            return;
        }
        flushDirectory(report);
        if (top != null) {
            directory = top;
            directoryPlace = place;
            directoryFiles = 0;
            directoryBytes = 0;
            directoryFailed = 0;
            directoryStarted = System.nanoTime();
        }
    }

    void directoryFileKept(long bytes) {
        directoryFiles++;
        directoryBytes += bytes;
    }

    void directoryFileFailed() {
        directoryFailed++;
    }

    /** The line for the directory whose files were arriving, if any: one line for all its files. */
    void flushDirectory(Consumer<String> report) {
        if (directory == null) {
            return;
        }
        int all = directoryFiles + directoryFailed;
        report.accept("Received directory '" + PeerText.shown(directory) + "' (" + directoryFiles
                + (directoryFailed == 0 ? (directoryFiles == 1 ? " file, " : " files, ") : " of " + all + " files, ")
                + directoryBytes + " bytes, " + (directoryFailed == 0 ? "every" : "each") + " SHA-256 verified) as "
                + directoryPlace + ": " + TransferProgress.summary(directoryBytes, System.nanoTime() - directoryStarted));
        directory = null;
    }
}
