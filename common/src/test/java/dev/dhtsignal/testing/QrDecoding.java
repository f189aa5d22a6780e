package dev.dhtsignal.testing;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.LuminanceSource;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.util.List;
import java.util.Map;

/**
 * Reads a QR code drawn in half blocks on a terminal back to its text, as a phone's camera would read the
 * screen: the characters become an image (each module a square of pixels), which ZXing decodes.
 */
public final class QrDecoding {
    private static final int PIXELS = 4;

    private QrDecoding() {
    }

    /** The text of the QR code drawn by {@code lines} (escape sequences are ignored). */
    public static String decode(List<String> lines) throws Exception {
        List<String> rows = lines.stream().map(l -> l.replaceAll("\u001b\\[[0-9;]*m", "")).toList();
        int width = rows.get(0).length();
        int height = rows.size() * 2;
        int border = 4 * PIXELS;
        int w = width * PIXELS + 2 * border;
        int h = height * PIXELS + 2 * border;
        int[] pixels = new int[w * h];
        java.util.Arrays.fill(pixels, 0xFFFFFF);
        for (int r = 0; r < rows.size(); r++) {
            String row = rows.get(r);
            for (int x = 0; x < row.length(); x++) {
                char c = row.charAt(x);
                boolean top = c == '█' || c == '▀';
                boolean bottom = c == '█' || c == '▄';
                paint(pixels, w, border, x, 2 * r, top);
                paint(pixels, w, border, x, 2 * r + 1, bottom);
            }
        }
        LuminanceSource source = new RGBLuminanceSource(w, h, pixels);
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.FALSE, DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
    }

    private static void paint(int[] pixels, int w, int border, int mx, int my, boolean dark) {
        if (!dark) {
            return;
        }
        for (int dy = 0; dy < PIXELS; dy++) {
            for (int dx = 0; dx < PIXELS; dx++) {
                pixels[(border + my * PIXELS + dy) * w + border + mx * PIXELS + dx] = 0x000000;
            }
        }
    }
}
