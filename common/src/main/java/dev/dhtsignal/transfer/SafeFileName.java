package dev.dhtsignal.transfer;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of a file name sent by the other peer that is safe to create in the receiving directory and
 * to show: no directories, no {@code ..}, nothing that would land elsewhere, nothing that shows as another
 * name, short enough for its temporary name to fit; hidden names only when the receiver allows them, and
 * device names ({@code CON}, {@code aux.c}) refused only where they are devices: on Windows.
 *
 * <p>In order: the part after the last {@code /} or {@code \} is kept; characters that look like those
 * separators (U+2215 DIVISION SLASH, U+FF0F FULLWIDTH SOLIDUS, ... see {@link #LOOK_ALIKE_SEPARATORS})
 * become {@code _}, so {@code etc∕passwd} is received as {@code etc_passwd}; every character that
 * {@link PeerText} would replace on display (controls, line separators, bidi and other format characters)
 * is dropped, so {@code invoice<U+202E>fdp.exe} is received as {@code invoicefdp.exe}; spaces at either
 * end are trimmed. What is left is refused when empty, {@code .} or {@code ..}, hidden (a leading dot)
 * unless allowed, or a device name on Windows, and shortened to {@link #MAX_BYTES} bytes of UTF-8, keeping its extension, when longer.
 */
public final class SafeFileName {
    private static final Pattern DEVICE = Pattern.compile("(con|prn|aux|nul|com[1-9]|lpt[1-9])(\\..*)?");
    /** Windows opens a device for these names, whatever their extension; elsewhere they are ordinary names. */
    private static final boolean DEVICE_NAMES = System.getProperty("os.name", "").startsWith("Windows");
    /**
     * Longest name kept, in bytes of UTF-8: the temporary name {@code .NAME.part-XXXXXXXXXXXXX} (13 random
     * characters, see {@link IncomingFile}) adds 20 bytes, and Linux file systems allow 255.
     */
    public static final int MAX_BYTES = 255 - 20;
    /** An extension longer than this (in bytes) is not one worth keeping when a name is shortened. */
    private static final int MAX_EXTENSION_BYTES = 32;

    /**
     * Symbols that look like {@code /} or {@code \} (Unicode's confusables for them, less the letters and
     * ideographs among those, such as KATAKANA LETTER NO, which are ordinary parts of names): shown in a
     * name, they would make it look like a path.
     */
    static final Set<Integer> LOOK_ALIKE_SEPARATORS = Set.of(
            // like '/': PHILIPPINE SINGLE PUNCTUATION, CARET INSERTION POINT, FRACTION SLASH, DIVISION SLASH,
            // BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT, MATHEMATICAL RISING DIAGONAL, BIG SOLIDUS,
            // KANGXI RADICAL SLASH, CJK STROKE SP, FULLWIDTH SOLIDUS, GREEK INSTRUMENTAL NOTATION SYMBOL-47
            0x1735, 0x2041, 0x2044, 0x2215, 0x2571, 0x27CB, 0x29F8, 0x2F03, 0x31D3, 0xFF0F, 0x1D23A,
            // like '\': SET MINUS, BOX DRAWINGS LIGHT DIAGONAL UPPER LEFT TO LOWER RIGHT, MATHEMATICAL FALLING
            // DIAGONAL, REVERSE SOLIDUS OPERATOR, BIG REVERSE SOLIDUS, KANGXI RADICAL DOT, CJK STROKE D, SMALL
            // REVERSE SOLIDUS, FULLWIDTH REVERSE SOLIDUS, GREEK VOCAL NOTATION SYMBOL-16, GREEK INSTRUMENTAL
            // NOTATION SYMBOL-48
            0x2216, 0x2572, 0x27CD, 0x29F5, 0x29F9, 0x2F02, 0x31D4, 0xFE68, 0xFF3C, 0x1D20F, 0x1D23B);

    private SafeFileName() {
    }

    /**
     * The safe name (see the class comment).
     *
     * @throws IllegalArgumentException saying why no safe name is left
     */
    public static String of(String offered) {
        return of(offered, false);
    }

    /**
     * The safe name, hidden names (a leading dot) allowed or not.
     *
     * @throws IllegalArgumentException saying why no safe name is left
     */
    public static String of(String offered, boolean allowHidden) {
        if (offered == null) {
            throw new IllegalArgumentException("it has no name");
        }
        int cut = Math.max(offered.lastIndexOf('/'), offered.lastIndexOf('\\'));
        StringBuilder kept = new StringBuilder();
        offered.substring(cut + 1).codePoints().forEach(c -> {
            if (LOOK_ALIKE_SEPARATORS.contains(c)) {
                kept.append('_');
            } else if (!PeerText.unsafe(c) && !(c <= 0xFFFF && Character.isSurrogate((char) c))) {
                kept.appendCodePoint(c);
            }
        });
        String name = kept.toString().strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("its name '" + PeerText.shown(offered) + "' names no file");
        }
        if (name.startsWith(".") && !allowHidden) {
            throw new IllegalArgumentException("its name '" + name + "' starts with a dot (a hidden file; the receiver "
                    + "takes those with --allow-hidden)");
        }
        if (DEVICE_NAMES && DEVICE.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("its name '" + name + "' is a device name");
        }
        return shortened(name);
    }

    /** {@code name} cut to {@link #MAX_BYTES} bytes of UTF-8 at a character boundary, its extension kept. */
    static String shortened(String name) {
        if (utf8(name) <= MAX_BYTES) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && utf8(name.substring(dot)) <= MAX_EXTENSION_BYTES ? name.substring(dot) : "";
        String stem = name.substring(0, name.length() - extension.length());
        int budget = MAX_BYTES - utf8(extension);
        int end = 0;
        int bytes = 0;
        while (end < stem.length()) {
            int c = stem.codePointAt(end);
            int size = utf8(new String(Character.toChars(c)));
            if (bytes + size > budget) {
                break;
            }
            bytes += size;
            end += Character.charCount(c);
        }
        return stem.substring(0, end).strip() + extension;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
