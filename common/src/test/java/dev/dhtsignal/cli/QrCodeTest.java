package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.testing.QrDecoding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The QR code of a link, drawn in half blocks, reads back as the link and fits an 80-column terminal. */
class QrCodeTest {
    @Test
    void theDrawingDecodesToTheLinkAndFitsEightyColumns() throws Exception {
        String link = "http://192.168.100.200:65535/#9999-stethoscope-wallet";
        List<String> lines = QrCode.lines(link);
        assertEquals(link, QrDecoding.decode(lines));
        assertTrue(QrCode.width(lines) <= 80, "width " + QrCode.width(lines));
    }
}
