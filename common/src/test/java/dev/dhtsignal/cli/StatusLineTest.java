package dev.dhtsignal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dhtsignal.pake.WordList;
import org.junit.jupiter.api.Test;

/** Fitting the live line to the terminal: columns, not characters, are what a line may not exceed. */
class StatusLineTest {
    @Test
    void aLineIsCutToTheColumnsWithAMarkWhereItWasCut() {
        assertEquals("short", StatusLine.fit("short", 79));
        assertEquals("abcdefghi…", StatusLine.fit("abcdefghijklmnop", 10));
        assertEquals(10, TextWidth.of(StatusLine.fit("abcdefghijklmnop", 10)));
    }

    @Test
    void wideCharactersTakeTwoColumnsAndCombiningMarksNone() {
        assertEquals(9, TextWidth.of("日本語.md"));
        assertEquals(1, TextWidth.of("e\u0301"));
        String cut = StatusLine.fit("日本語のファイル名.txt", 9);
        assertEquals("日本語の…", cut);
        assertEquals(9, TextWidth.of(cut));
    }

    @Test
    void aMistypedOptionIsOneOrTwoEditsFromTheOneMeant() {
        assertEquals(1, WordList.distance("--sesion", "--session"));
        assertEquals(1, WordList.distance("--sned", "--send"));
        org.junit.jupiter.api.Assertions.assertTrue(WordList.distance("--sesion", "--secret") > 2, "too far to be meant");
    }
}
