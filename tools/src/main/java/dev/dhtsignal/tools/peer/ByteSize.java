package dev.dhtsignal.tools.peer;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads byte counts as people write them: {@code 1024}, {@code 16KiB}, {@code 1MiB}, {@code 200MB}.
 * KiB/MiB/GiB (and the short k/m/g) are powers of 1024; KB/MB/GB are powers of 1000.
 */
public final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]i?b?|[kmg]b|b)?");

    @Override
    public Long convert(String text) {
        return parse(text);
    }

    public static long parse(String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a byte count (try 1024, 16KiB, 1MiB, 200MB)");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        double factor = switch (unit) {
            case "b" -> 1;
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "k", "ki", "kib" -> 1024;
            case "m", "mi", "mib" -> 1024 * 1024;
            default -> 1024.0 * 1024 * 1024;  // g, gi, gib
        };
        return Math.round(amount * factor);
    }

    /** 16384 -> "16 KiB", 1048576 -> "1 MiB", 1000 -> "1000 B": for tables. */
    public static String format(long bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " B";
    }
}
