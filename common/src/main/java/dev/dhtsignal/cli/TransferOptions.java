package dev.dhtsignal.cli;

import dev.dhtsignal.transfer.OutgoingFiles;
import dev.dhtsignal.transfer.ReceiveLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * Options for files and text over the data channel. Either side may send, either may receive: without
 * an option a peer chats and, when files are offered, asks on its terminal whether to take them.
 */
public final class TransferOptions {
    @Option(names = "--send", paramLabel = "FILE|DIR", arity = "1..*",
            description = "Send these files and directories (each directory with its tree) instead of chatting; "
                    + "the other side is asked, or takes them with --yes or --receive. Exits once each is delivered "
                    + "and verified, non-zero naming those that were not.")
    List<Path> send = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT",
            description = "Send TEXT as one message, which the other side prints by itself, and exit; no chat.")
    String text;

    @Option(names = "--receive", paramLabel = "DIR", arity = "0..1", fallbackValue = ".",
            description = "Take the files offered into DIR (default: the current directory) without asking, instead "
                    + "of chatting. Without it a peer chats and asks on its terminal about each offer. A file appears "
                    + "under its name only when complete and its SHA-256 verified.")
    Path receive;

    @Option(names = {"-y", "--yes"}, description = "Take the files offered without asking (into --receive DIR or the "
            + "current directory), instead of chatting.")
    boolean yes;

    @Option(names = "--force", description = "Overwrite files that exist when receiving (refused otherwise).")
    boolean force;

    @Option(names = "--allow-hidden", description = "Take files and directories whose names start with a dot "
            + "(refused otherwise: .bashrc or .ssh/ dropped into a home directory would change how it works).")
    boolean allowHidden;

    @Option(names = "--max-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "none",
            description = "When receiving: refuse files larger than SIZE (like 4GiB or 500MB). Default: none, only "
                    + "the free space: a file must fit on the disk with 1%% of it (at most 1 GiB) left free.")
    long maxSize;

    @Option(names = "--max-files", paramLabel = "N", defaultValue = "10000",
            description = "When receiving: refuse offers past the first N files of one connection (default: ${DEFAULT-VALUE}).")
    int maxFiles;

    @Option(names = "--stall-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
            description = "When receiving: drop a file (its temporary part is deleted) when none of its bytes came "
                    + "for this long (default: ${DEFAULT-VALUE}).")
    Duration stallTimeout;

    private List<OutgoingFiles.Item> sending = List.of();

    public List<Path> send() {
        return send;
    }

    /** What --send names, listed by {@link #check}. */
    public List<OutgoingFiles.Item> sending() {
        return sending;
    }

    /** The text to send alone, or null. */
    public String text() {
        return text;
    }

    /** The directory files are received into: --receive DIR, or the current directory. */
    public Path directory() {
        return receive != null ? receive : Path.of(".");
    }

    /** Whether files are taken without asking (--receive, --yes). */
    public boolean acceptUnasked() {
        return receive != null || yes;
    }

    public boolean force() {
        return force;
    }

    public boolean allowHidden() {
        return allowHidden;
    }

    /** What one connection may send us; checked by {@link #check}. */
    public ReceiveLimits limits() {
        return new ReceiveLimits(maxSize, maxFiles, stallTimeout);
    }

    /** Sending files or text: our side has only that to do, and leaves once it is done. */
    public boolean sendOnly() {
        return !send.isEmpty() || text != null;
    }

    /** Only receiving (--receive, --yes): standard input is not chat then. */
    public boolean receiveOnly() {
        return !sendOnly() && acceptUnasked();
    }

    /** Sending or receiving only: standard input is not chat then. */
    public boolean transferring() {
        return sendOnly() || receiveOnly();
    }

    /**
     * Lists what --send names and checks the receiving directory.
     *
     * @param skipped told of each link in a sent directory that is left out
     * @throws IllegalArgumentException naming the option and the file that is wrong
     */
    public void check(Consumer<String> skipped) {
        if (text != null && !send.isEmpty()) {
            throw new IllegalArgumentException("--text and --send do not go together: send one or the other");
        }
        try {
            sending = OutgoingFiles.list(send, skipped);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--send: " + e.getMessage());
        }
        Path dir = directory();
        if (receive != null && (!Files.isDirectory(dir) || !Files.isWritable(dir))) {
            throw new IllegalArgumentException("--receive: " + dir + " is not a directory we can write in");
        }
        limits();  // throws, naming the option, when a limit is out of range
    }
}
