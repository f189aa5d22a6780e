package dev.dhtsignal.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A QR code of a short text (the page's link), drawn for a terminal with Unicode half blocks: each line
 * holds two rows of modules ({@code ▀ ▄ █} and space), black on white whatever the terminal's colours,
 * with a quiet zone of {@value #QUIET} modules around. Made by Nayuki's QR Code generator
 * ({@code io.nayuki:qrcodegen}), which this class alone loads, and only when a code is printed.
 */
public final class QrCode {
    /** The white border a reader needs to find the code, in modules (the standard asks 4; 2 is read by phones). */
    static final int QUIET = 2;
    /** Black on bright white, and back to the terminal's colours after each line. */
    private static final String COLOURS = "\u001b[30;107m";
    private static final String RESET = "\u001b[0m";

    private QrCode() {
    }

    /** The lines that draw {@code text} as a QR code (error correction level L: the fewest modules). */
    public static List<String> lines(String text) {
        io.nayuki.qrcodegen.QrCode qr = io.nayuki.qrcodegen.QrCode.encodeText(text, io.nayuki.qrcodegen.QrCode.Ecc.LOW);
        int size = qr.size + 2 * QUIET;
        List<String> lines = new ArrayList<>();
        for (int y = 0; y < size; y += 2) {
            StringBuilder line = new StringBuilder(COLOURS);
            for (int x = 0; x < size; x++) {
                boolean top = dark(qr, x, y);
                boolean bottom = y + 1 < size && dark(qr, x, y + 1);
                line.append(top ? (bottom ? '█' : '▀') : (bottom ? '▄' : ' '));
            }
            lines.add(line.append(RESET).toString());
        }
        return lines;
    }

    /** The width the drawing takes, in columns, so a caller can leave it out on a narrow terminal. */
    public static int width(List<String> lines) {
        return lines.isEmpty() ? 0 : lines.get(0).length() - COLOURS.length() - RESET.length();
    }

    private static boolean dark(io.nayuki.qrcodegen.QrCode qr, int x, int y) {
        return qr.getModule(x - QUIET, y - QUIET);  // false outside the code: the quiet zone
    }
}
