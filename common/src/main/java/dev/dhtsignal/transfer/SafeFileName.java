package dev.dhtsignal.transfer;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The part of a file name sent by the other peer that is safe to create in the receiving directory:
 * no directories, no {@code ..}, no hidden or device names, nothing that would land elsewhere.
 */
public final class SafeFileName {
    private static final Pattern DEVICE = Pattern.compile("(con|prn|aux|nul|com[1-9]|lpt[1-9])(\\..*)?");
    private static final int MAX_BYTES = 255;

    private SafeFileName() {
    }

    /**
     * The safe name: what follows the last {@code /} or {@code \}, without control characters.
     *
     * @throws IllegalArgumentException saying why no safe name is left
     */
    public static String of(String offered) {
        if (offered == null) {
            throw new IllegalArgumentException("it has no name");
        }
        String name = offered;
        int cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        name = name.substring(cut + 1);
        name = name.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("its name '" + offered + "' names no file");
        }
        if (name.startsWith(".")) {
            throw new IllegalArgumentException("its name '" + name + "' starts with a dot (a hidden file)");
        }
        if (DEVICE.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("its name '" + name + "' is a device name");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException("its name is longer than " + MAX_BYTES + " bytes");
        }
        return name;
    }
}
