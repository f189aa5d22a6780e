package dev.dhtsignal.tools.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of every thread of this process, Java and native alike, read from
 * {@code /proc/self/task/TID/stat} (Linux only; elsewhere a snapshot is empty). Two snapshots give the
 * busiest threads between them, e.g. "network_thread 71%": that shows where time goes even inside
 * libwebrtc, which a JFR profile cannot see (it samples Java code only).
 */
final class ThreadCpu {
    /** Clock ticks per second of the utime/stime fields; USER_HZ, 100 on every usual Linux build. */
    private static final double TICKS_PER_SECOND = 100;

    private final Map<Long, Entry> threads;
    private final long nanos;
    /** CPU time of the whole process, including threads that have ended. */
    private final long processCpuNanos;

    private record Entry(String name, long ticks) {
    }

    private ThreadCpu(Map<Long, Entry> threads, long nanos, long processCpuNanos) {
        this.threads = threads;
        this.nanos = nanos;
        this.processCpuNanos = processCpuNanos;
    }

    /** The CPU time of each thread alive now. */
    static ThreadCpu snapshot() {
        Map<Long, Entry> threads = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            try (Stream<Path> list = Files.list(tasks)) {
                list.forEach(task -> read(task).ifPresent(e -> threads.put(Long.parseLong(task.getFileName().toString()), e)));
            } catch (IOException | RuntimeException e) {
                // A thread may end while we look; a partial snapshot is still useful.
            }
        }
        long processCpu = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
        return new ThreadCpu(threads, System.nanoTime(), processCpu);
    }

    private static java.util.Optional<Entry> read(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // "tid (name) S ppid ..." — the name may hold spaces and parentheses, so cut at the last ')'.
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String name = stat.substring(open + 1, close);
            if (name.equals("java")) {
                name = "main";  // the JVM leaves the main thread with the launcher's name
            }
            String[] fields = stat.substring(close + 2).split(" ");
            // After the name: state(0) ppid(1) ... utime is field 14 of the whole line, i.e. index 11 here.
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return java.util.Optional.of(new Entry(name, ticks));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The {@code limit} busiest threads since {@code earlier}, as "name 71%, name 12%" (percent of one
     * core over the interval). Threads with the same name pattern are not merged: each is a real thread.
     */
    String busiestSince(ThreadCpu earlier, int limit) {
        double seconds = Math.max(1e-3, (nanos - earlier.nanos) / 1e9);
        List<Map.Entry<String, Double>> shares = new ArrayList<>();
        threads.forEach((tid, now) -> {
            Entry before = earlier.threads.get(tid);
            long ticks = now.ticks() - (before == null ? 0 : before.ticks());
            double percent = 100 * ticks / TICKS_PER_SECOND / seconds;
            if (percent >= 1) {
                shares.add(Map.entry(now.name(), percent));
            }
        });
        shares.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(limit, shares.size()); i++) {
            sb.append(i == 0 ? "" : ", ").append(shares.get(i).getKey()).append(' ')
                    .append(Math.round(shares.get(i).getValue())).append('%');
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }

    /**
     * The whole process's CPU use since {@code earlier}, in percent of one core (200% = both of 2 cores);
     * NaN where the JVM does not report process CPU time.
     */
    double processPercentSince(ThreadCpu earlier) {
        if (processCpuNanos < 0 || earlier.processCpuNanos < 0) {
            return Double.NaN;
        }
        return 100.0 * (processCpuNanos - earlier.processCpuNanos) / Math.max(1, nanos - earlier.nanos);
    }
}
