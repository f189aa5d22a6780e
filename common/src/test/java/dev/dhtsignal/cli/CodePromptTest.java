package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jline.reader.Candidate;
import org.junit.jupiter.api.Test;

/** Tab at the code prompt completes the first word, then the second, from the right half of the list. */
class CodePromptTest {
    private static List<String> values(String typed) {
        return CodePrompt.CodeWords.candidates(typed).stream().map(Candidate::value).toList();
    }

    @Test
    void wordsCompleteInTheirOrder() {
        assertEquals(List.of("7-guitarist-"), values("7-guitar"));
        assertEquals(List.of("7-guitarist-revenge"), values("7-guitarist-reve"));
        assertEquals(256, values("7-").size(), "the first word's whole list");
        assertEquals(256, values("7-guitarist-").size(), "the second word's whole list");
        assertEquals(List.of(), values("7-revenge-gui"), "a second word only after a first word of the list");
        assertEquals(List.of(), values("7"));
    }
}
