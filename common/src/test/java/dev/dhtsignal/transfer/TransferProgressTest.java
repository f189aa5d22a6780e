package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class TransferProgressTest {
    private final AtomicLong clock = new AtomicLong();
    private final List<String> drawn = new ArrayList<>();
    private int cleared;

    /** A live line that records what it was asked to draw, at {@code columns}. */
    private LiveLine screen(int columns) {
        return new LiveLine() {
            @Override
            public void show(IntFunction<String> render) {
                drawn.add(render.apply(columns));
            }

            @Override
            public void clear(IntFunction<String> render) {
                cleared++;
            }
        };
    }

    @Test
    void theBarFitsTheColumnsItIsGivenShrinkingTheBarThenTheName() {
        String name = "a-rather-long-name-for-a-holiday-archive-2024-summer.tar";
        TransferProgress p = new TransferProgress(screen(79), name, 300_000_000L, clock::get);
        p.skip(0);  // accepted: the bytes begin to move
        clock.set(2_000_000_000L);
        p.advance(160_000_000L);
        for (int columns : new int[] {200, 79, 60, 40, 20, 8}) {
            String line = p.line(columns);
            assertTrue(line.length() <= columns, columns + ": " + line);
        }
        assertTrue(p.line(200).startsWith(name + " [############............]  53% 152.6 MiB / 286.1 MiB"), p.line(200));
        String at79 = p.line(79);
        assertTrue(at79.contains(" 53% 152.6 MiB / 286.1 MiB  80.0 MB/s  0:02 left"), at79);
        assertTrue(at79.contains("…"), "the name is cut, not the numbers: " + at79);
        assertEquals("152.6 MiB of 286.1 MiB (53%)", p.howFar());
    }

    @Test
    void theBarIsErasedOnceAtItsEnd() {
        TransferProgress p = new TransferProgress(screen(80), "photo.bin", 1000, clock::get);
        p.advance(400);
        assertEquals(1, drawn.size());
        p.end();
        p.end();
        assertEquals(1, cleared, "once only");
        p.advance(100);
        assertEquals(1, drawn.size(), "nothing drawn after its end");
    }

    @Test
    void bytesKeptFromBeforeCountAsDoneButNotInTheRate() {
        TransferProgress p = new TransferProgress(null, "big.bin", 1000, clock::get);
        p.skip(600);
        p.advance(100);
        clock.set(1_000_000_000L);
        assertEquals("700 B of 1000 B (70%)", p.howFar());
        assertEquals("100 B in 1.0 s (0.0 MB/s)", p.summary());
    }

    /** A sender makes its display before the offer; the time the receiver took to say yes is not in the rate. */
    @Test
    void theRateCountsFromTheFirstBytesNotFromTheOffer() {
        TransferProgress p = new TransferProgress(null, "holiday.tar", 2_000_000, clock::get);
        clock.set(30_000_000_000L);  // the person on the other side reads the question and answers
        p.skip(0);
        clock.set(31_000_000_000L);
        p.advance(1_000_000);
        clock.set(32_000_000_000L);
        p.advance(1_000_000);
        assertEquals("1.9 MiB in 2.0 s (1.0 MB/s)", p.summary());
        assertTrue(p.line(200).contains(" 1.0 MB/s "), p.line(200));
    }

    @Test
    void withoutATerminalNothingIsDrawn() {
        TransferProgress p = new TransferProgress(null, "photo.bin", 1000, clock::get);
        p.advance(400);
        p.end();
        assertEquals("400 B of 1000 B (40%)", p.howFar());
    }
}
