package dev.dhtsignal.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What Linux's /proc says about a node on this host: datagrams its socket dropped because its receive
 * buffer was full (which no counter inside the node can see), and the CPU time its process used. Both
 * are empty where /proc is missing or the node is on another host.
 */
final class HostProbes {
    /** USER_HZ: the unit of utime and stime in /proc/PID/stat. 100 on every Linux the JVM runs on. */
    private static final long TICKS_PER_SECOND = 100;

    private HostProbes() {
    }

    /**
     * Datagrams dropped by the kernel at every UDP socket bound to {@code port} (the "drops" column of
     * /proc/net/udp and udp6), summed; empty when no such socket is listed.
     */
    static OptionalLong socketDrops(int port) {
        String portHex = String.format(Locale.ROOT, "%04X", port);
        long drops = 0;
        boolean found = false;
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
                if (f.length >= 13 && f[1].endsWith(":" + portHex)) {
                    drops += Long.parseLong(f[12]);
                    found = true;
                }
            }
        }
        return found ? OptionalLong.of(drops) : OptionalLong.empty();
    }

    /** CPU time a process has used, all its threads together, in nanoseconds. */
    record CpuTime(long userNanos, long systemNanos) {
        long totalNanos() {
            return userNanos + systemNanos;
        }

        CpuTime minus(CpuTime earlier) {
            return new CpuTime(userNanos - earlier.userNanos, systemNanos - earlier.systemNanos);
        }
    }

    /** User and system CPU time of a process (utime and stime of /proc/PID/stat); empty if unreadable. */
    static Optional<CpuTime> processCpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long tick = 1_000_000_000L / TICKS_PER_SECOND;
            return Optional.of(new CpuTime(Long.parseLong(f[11]) * tick, Long.parseLong(f[12]) * tick));  // fields 14, 15
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
