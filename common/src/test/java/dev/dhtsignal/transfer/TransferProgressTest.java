package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TransferProgressTest {
    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();
    private final AtomicLong clock = new AtomicLong();

    private TransferProgress progress(boolean terminal) {
        return new TransferProgress(new PrintStream(shown, true, StandardCharsets.UTF_8), terminal, "photo.bin", 1000,
                clock::get);
    }

    private String shown() {
        return shown.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anInterruptedBarEndsItsLineOnceSoTheMessageAfterItStandsAlone() {
        TransferProgress p = progress(true);
        clock.set(1_000_000_000L);
        p.advance(400);
        assertTrue(shown().startsWith("\rphoto.bin [#########...............]  40% "), shown());
        assertTrue(!shown().endsWith("\n"), "the bar is redrawn in place: " + shown());
        p.interrupted();
        assertTrue(shown().endsWith("\n"), shown());
        p.interrupted();
        assertEquals(1, shown().chars().filter(c -> c == '\n').count(), "once only: " + shown());
        assertEquals("400 B of 1000 B (40%)", p.howFar());
    }

    @Test
    void withoutATerminalNothingIsDrawnAndNothingEnded() {
        TransferProgress p = progress(false);
        p.advance(400);
        p.interrupted();
        assertEquals("", shown());
    }
}
