package dev.dhtsignal.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads sizes as people write them: {@code 1048576}, {@code 500MB}, {@code 4GiB}, {@code 2T}, or
 * {@code none} (no limit, {@link Long#MAX_VALUE}). KiB/MiB/GiB/TiB and the short k/m/g/t are powers of
 * 1024; KB/MB/GB/TB are powers of 1000.
 */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|[kmgt]b|b)?");

    @Override
    public Long convert(String text) {
        return parse(text);
    }

    public static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return Long.MAX_VALUE;
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a size (try 500MB, 4GiB, 2T or none)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        double factor = switch (unit) {
            case "b" -> 1;
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "tb" -> 1e12;
            case "k", "ki", "kib" -> 1L << 10;
            case "m", "mi", "mib" -> 1L << 20;
            case "g", "gi", "gib" -> 1L << 30;
            default -> 1L << 40;  // t, ti, tib
        };
        double bytes = Double.parseDouble(m.group(1)) * factor;
        if (bytes >= Long.MAX_VALUE) {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large (use none for no limit)");
        }
        return Math.round(bytes);
    }
}
