package dev.dhtsignal.tools.peer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code profile-summary FILE.jfr}: where a JFR recording says the Java threads spent their CPU time, in
 * three short lists: samples per thread, methods on top of the stack (self time) and methods anywhere on
 * the stack (total time). What {@code jfr print --events jdk.ExecutionSample} shows, counted.
 *
 * <p>JFR samples Java code only: time inside libwebrtc (SCTP, DTLS, the network thread) does not show
 * here; {@link ThreadCpu}'s per-thread figures in the channel benchmark's output do cover it.
 */
@Command(name = "profile-summary", mixinStandardHelpOptions = true,
        description = "Counts the jdk.ExecutionSample events of a JFR recording by thread and by method.")
public final class ProfileSummary implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.jfr", description = "The recording.")
    Path file;

    @Option(names = "--top", paramLabel = "N", defaultValue = "15", description = "Lines per list (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--thread", paramLabel = "PREFIX",
            description = "Count only threads whose name starts with this, e.g. rtc-1-worker.")
    String threadPrefix;

    public static void main(String[] args) {
        Logging.configure(false);
        Cli.exitKeepingStdoutClean(Cli.execute(new ProfileSummary(), args));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
            if (threadPrefix != null && (thread == null || !thread.startsWith(threadPrefix))) {
                continue;
            }
            samples++;
            // Numbered threads of one pool count together: rtc-1-worker-7 -> rtc-1-worker-N.
            byThread.merge(thread == null ? "?" : thread.replaceAll("-\\d+$", "-N"), 1, Integer::sum);
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();  // a recursive method counts once per sample
            for (RecordedFrame frame : frames) {
                if (seen.add(name(frame))) {
                    total.merge(name(frame), 1, Integer::sum);
                }
            }
        }
        System.out.println("## " + file.getFileName() + ": " + samples + " Java execution samples"
                + (threadPrefix == null ? "" : " on threads " + threadPrefix + "*"));
        print("by thread", byThread, samples);
        print("self (top of stack)", self, samples);
        print("total (anywhere on the stack)", total, samples);
        return 0;
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private void print(String title, Map<String, Integer> counts, int samples) {
        System.out.println();
        System.out.println("### " + title);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(java.util.Locale.ROOT, "%6d %5.1f%%  %s%n", e.getValue(),
                        100.0 * e.getValue() / Math.max(1, samples), e.getKey()));
    }
}
