package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    @Test
    void aShortLineIsOnePart() {
        assertEquals(List.of("hello"), LineSplitter.split("hello", 10));
        assertEquals(List.of(""), LineSplitter.split("", 10));
    }

    @Test
    void aLongLineIsCutIntoPartsThatJoinBackAndNeverSplitASurrogatePair() {
        String line = "ab😀".repeat(5);  // the emoji is two chars
        List<String> parts = LineSplitter.split(line, 3);
        assertEquals(line, String.join("", parts));
        for (String part : parts) {
            assertTrue(part.length() <= 3, part);
            assertTrue(!Character.isHighSurrogate(part.charAt(part.length() - 1)), part);
        }
    }

    @Test
    void theWorstPartStaysUnderSixtyFourKibibytesAsAJsonMessage() {
        String controls = "\u0001".repeat(LineSplitter.MAX_PART_CHARS * 3);
        for (String part : LineSplitter.split(controls, LineSplitter.MAX_PART_CHARS)) {
            int bytes = PeerMessage.line(part, true).toJson().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes <= 64 * 1024, bytes + " bytes");
        }
    }
}
