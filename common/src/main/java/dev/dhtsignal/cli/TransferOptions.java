package dev.dhtsignal.cli;

import dev.dhtsignal.transfer.ReceiveLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options for files over the data channel; either side may send, either may receive. */
public final class TransferOptions {
    @Option(names = "--send", paramLabel = "FILE", arity = "1..*",
            description = "Send these files to the other peer (it must run with --receive) instead of chatting; "
                    + "exits once each is delivered and verified, non-zero naming those that were not.")
    List<Path> send = new ArrayList<>();

    @Option(names = "--receive", paramLabel = "DIR", arity = "0..1", fallbackValue = ".",
            description = "Accept files from the other peer into DIR (default: the current directory) instead "
                    + "of chatting. A file appears under its name only when complete and its SHA-256 verified.")
    Path receive;

    @Option(names = "--force", description = "With --receive: overwrite files that exist (refused otherwise).")
    boolean force;

    @Option(names = "--max-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "none",
            description = "With --receive: refuse files larger than SIZE (like 4GiB or 500MB). Default: none, only "
                    + "the free space: a file must fit on the disk with 1%% of it (at most 1 GiB) left free.")
    long maxSize;

    @Option(names = "--max-files", paramLabel = "N", defaultValue = "10000",
            description = "With --receive: refuse offers past the first N of one connection (default: ${DEFAULT-VALUE}).")
    int maxFiles;

    @Option(names = "--stall-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
            description = "With --receive: drop a file (its temporary part is deleted) when none of its bytes came "
                    + "for this long (default: ${DEFAULT-VALUE}).")
    Duration stallTimeout;

    public List<Path> send() {
        return send;
    }

    /** The directory to receive into, or null when not receiving. */
    public Path receive() {
        return receive;
    }

    public boolean force() {
        return force;
    }

    /** What one connection may send us; checked by {@link #check}. */
    public ReceiveLimits limits() {
        return new ReceiveLimits(maxSize, maxFiles, stallTimeout);
    }

    /** Sending or receiving files: standard input is not chat then. */
    public boolean transferring() {
        return !send.isEmpty() || receive != null;
    }

    /**
     * @throws IllegalArgumentException naming the option and the file that is wrong
     */
    public void check() {
        for (Path file : send) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--send: " + file + " is not a file");
            }
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("--send: " + file + " cannot be read");
            }
        }
        if (receive != null && (!Files.isDirectory(receive) || !Files.isWritable(receive))) {
            throw new IllegalArgumentException("--receive: " + receive + " is not a directory we can write in");
        }
        if (force && receive == null) {
            throw new IllegalArgumentException("--force goes with --receive");
        }
        limits();  // throws, naming the option, when a limit is out of range
    }
}
