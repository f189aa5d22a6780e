package dev.dhtsignal.cli;

import java.time.Duration;

/** Durations as people write them and as the options take them: "0s", "250ms", "1m30s", "2h". */
public final class Durations {
    private Durations() {
    }

    public static String format(Duration d) {
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            sb.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            sb.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0 || d.toMillisPart() > 0) {
            sb.append(d.toSecondsPart());
            if (d.toMillisPart() > 0) {
                sb.append('.').append(String.format("%03d", d.toMillisPart()).replaceAll("0+$", ""));
            }
            sb.append('s');
        }
        return sb.toString();
    }
}
