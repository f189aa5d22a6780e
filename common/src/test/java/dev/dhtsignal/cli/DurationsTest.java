package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void durationsReadAsTheOptionsAreWritten() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("1m", Durations.format(Duration.ofSeconds(60)));
        assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("1.5s", Durations.format(Duration.ofMillis(1500)));
        assertEquals("2h", Durations.format(Duration.ofHours(2)));
        assertEquals("7d", Durations.format(Duration.ofDays(7)));
        assertEquals("-5s", Durations.format(Duration.ofSeconds(-5)));
        for (String text : new String[] {"0s", "250ms", "1m30s", "1.5s", "2h", "7d"}) {
            if (!text.contains("m") || text.endsWith("ms")) {
                assertEquals(text, Durations.format(DurationConverter.parse(text)), text);
            }
        }
    }
}
