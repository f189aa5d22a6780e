package dev.dhtsignal.tools.peer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text messages with which the two sides of {@link ChannelBench} steer a measurement. Payload goes
 * as binary messages; control as text messages, so the receiver tells them apart by type alone.
 *
 * <pre>
 *  receiver -> sender    ready                                   listener installed, send when you like
 *  sender   -> receiver  begin size=16384 high-water=1048576 warmup=false
 *  sender   -> receiver  (binary messages of `size` bytes)
 *  sender   -> receiver  end messages=12800 bytes=209715200      the marker: everything was sent
 *  receiver -> sender    result messages=12800 bytes=209715200 nanos=3210000000 cpu=95.2 threads=...
 *  sender   -> receiver  done                                    no more runs; both sides close
 * </pre>
 *
 * Each message is a word and then {@code key=value} pairs; the last pair of a result, {@code threads},
 * runs to the end of the line (its value holds spaces).
 */
sealed interface Control {
    record Ready() implements Control {
        @Override
        public String toString() {
            return "ready";
        }
    }

    record Begin(int size, long highWater, boolean warmup) implements Control {
        @Override
        public String toString() {
            return "begin size=" + size + " high-water=" + highWater + " warmup=" + warmup;
        }
    }

    record End(long messages, long bytes) implements Control {
        @Override
        public String toString() {
            return "end messages=" + messages + " bytes=" + bytes;
        }
    }

    /**
     * What the receiver measured for one run.
     *
     * @param nanos from the first payload byte's arrival to the end marker's arrival
     * @param cpuPercent the receiving process's CPU use meanwhile, in percent of one core
     * @param threads its busiest threads meanwhile, e.g. "network_thread 71%, rtc-1-worker-2 40%"
     */
    record Result(long messages, long bytes, long nanos, double cpuPercent, String threads) implements Control {
        @Override
        public String toString() {
            return "result messages=" + messages + " bytes=" + bytes + " nanos=" + nanos
                    + " cpu=" + String.format(java.util.Locale.ROOT, "%.1f", cpuPercent) + " threads=" + threads;
        }
    }

    record Done() implements Control {
        @Override
        public String toString() {
            return "done";
        }
    }

    /**
     * Reads a control message.
     *
     * @throws IllegalArgumentException if it is not one
     */
    static Control parse(String text) {
        String word = text.contains(" ") ? text.substring(0, text.indexOf(' ')) : text;
        Map<String, String> f = fields(text.substring(word.length()).trim());
        try {
            return switch (word) {
                case "ready" -> new Ready();
                case "begin" -> new Begin(Integer.parseInt(f.get("size")), Long.parseLong(f.get("high-water")),
                        Boolean.parseBoolean(f.get("warmup")));
                case "end" -> new End(Long.parseLong(f.get("messages")), Long.parseLong(f.get("bytes")));
                case "result" -> new Result(Long.parseLong(f.get("messages")), Long.parseLong(f.get("bytes")),
                        Long.parseLong(f.get("nanos")), Double.parseDouble(f.get("cpu")), f.getOrDefault("threads", "-"));
                case "done" -> new Done();
                default -> throw new IllegalArgumentException("unknown control message '" + text + "'");
            };
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("malformed control message '" + text + "'", e);
        }
    }

    /** "a=1 b=2 threads=x 5%, y 3%" -> {a=1, b=2, threads="x 5%, y 3%"}. */
    private static Map<String, String> fields(String rest) {
        Map<String, String> f = new LinkedHashMap<>();
        int threads = rest.indexOf("threads=");
        if (threads >= 0) {
            f.put("threads", rest.substring(threads + "threads=".length()));
            rest = rest.substring(0, threads);
        }
        for (String pair : rest.trim().split(" +")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                f.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return f;
    }
}
