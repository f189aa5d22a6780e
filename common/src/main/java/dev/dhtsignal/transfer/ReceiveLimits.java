package dev.dhtsignal.transfer;

import java.time.Duration;

/**
 * What a receiver accepts from one connection: files of at most {@code maxSize} bytes (and never more than
 * fits on the disk, see {@link #spaceKeptFree}), at most {@code maxFiles} offers, and a file whose bytes
 * stop coming for {@code stallTimeout} is dropped. The defaults and why: {@code docs/file-transfer.md},
 * "Limits".
 *
 * @param maxSize      largest file accepted, in bytes; {@link Long#MAX_VALUE} for no limit but the free space
 * @param maxFiles     files offered per connection; offers beyond are refused
 * @param stallTimeout how long an accepted file may go without a chunk (or its end) before it is dropped
 */
public record ReceiveLimits(long maxSize, int maxFiles, Duration stallTimeout) {
    /** No fixed size cap: the free space decides (as with magic-wormhole and croc). */
    public static final long DEFAULT_MAX_SIZE = Long.MAX_VALUE;
    public static final int DEFAULT_MAX_FILES = 10_000;
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);
    /** The most a receiver keeps free on the disk it writes to, beyond the file (see {@link #spaceKeptFree}). */
    public static final long MAX_SPACE_KEPT_FREE = 1L << 30;

    public static final ReceiveLimits DEFAULTS = new ReceiveLimits(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES,
            DEFAULT_STALL_TIMEOUT);

    public ReceiveLimits {
        if (maxSize < 0 || maxFiles < 1 || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("--max-size must be at least 0, --max-files at least 1 and "
                    + "--stall-timeout longer than 0s");
        }
    }

    /**
     * Space left free after a file is accepted, so that receiving never fills the disk that the system and
     * other programs write to: 1% of the file system, at most {@link #MAX_SPACE_KEPT_FREE}.
     */
    public static long spaceKeptFree(long totalSpace) {
        return Math.min(MAX_SPACE_KEPT_FREE, totalSpace / 100);
    }

    /** A limit's duration in messages: "60 s", "250 ms". */
    static String shown(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
