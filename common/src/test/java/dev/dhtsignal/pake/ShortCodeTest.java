package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Short codes: the word list, forgiving typing, suggestions, and telling them from long codes. */
class ShortCodeTest {
    @Test
    void theWordListIsThePgpListInItsOrder() {
        WordList w = WordList.PGP;
        // Spot checks from the list's published description: byte 00, 09/F9, 9D/74, DC/0D/33 and FF.
        assertEquals("aardvark", w.even(0x00));
        assertEquals("adroitness", w.odd(0x00));
        assertEquals("algol", w.even(0x09));
        assertEquals("waterloo", w.odd(0xF9));
        assertEquals("quadrant", w.even(0x9D));
        assertEquals("hydraulic", w.odd(0x74));
        assertEquals("sweatband", w.even(0xDC));
        assertEquals("asteroid", w.odd(0x0D));
        assertEquals("chisel", w.even(0x33));
        assertEquals("zulu", w.even(0xFF));
        assertEquals("yucatan", w.odd(0xFF));
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 256; i++) {
            all.add(w.even(i));
            all.add(w.odd(i));
        }
        assertEquals(512, all.size(), "no word twice, and the two lists do not share one");
    }

    @Test
    void theIssuesExampleIsACodeAndTypingIsForgiving() {
        ShortCode code = ShortCode.parse("7-guitarist-revenge");
        assertEquals(7, code.nameplate());
        assertEquals("7-guitarist-revenge", code.toString());
        for (String typed : new String[] {"7 guitarist revenge", "  7-GUITARIST-Revenge ", "007_guitarist.revenge",
                "7-revenge-guitarist", "7 - guitarist - revenge", "Guitarist Revenge 7", "guitarist 7 revenge"}) {
            assertEquals(code, ShortCode.parse(typed), typed);
        }
    }

    @Test
    void aTypoGetsADidYouMean() {
        assertTrue(typo("7-guitarst-revenge").contains("did you mean 7-guitarist-revenge?"));
        assertTrue(typo("7-guitarist-revnege").contains("did you mean 7-guitarist-revenge?"));
        assertTrue(typo("7-guit-reven").contains("did you mean 7-guitarist-revenge?"), "starts of words complete");
        assertTrue(typo("7-revnge-guitarst").contains("did you mean 7-guitarist-revenge?"), "either order");
        String far = typo("7-xylophone-qqqq");
        assertTrue(far.contains("'xylophone' is not a word") && !far.contains("did you mean"), far);
        assertTrue(typo("7-revenge-aardvark").contains("same half"), "two even words");
        assertThrows(IllegalArgumentException.class, () -> ShortCode.parse("0-guitarist-revenge"));
        assertThrows(IllegalArgumentException.class, () -> ShortCode.parse("7-guitarist"));
    }

    private static String typo(String typed) {
        return assertThrows(IllegalArgumentException.class, () -> ShortCode.parse(typed)).getMessage();
    }

    @Test
    void shortAndLongCodesAreToldApart() {
        assertTrue(ShortCode.looksLikeOne("7-guitarist-revenge"));
        assertTrue(ShortCode.looksLikeOne("12 guitarst revnge"), "a typo is still meant as a short code");
        assertTrue(ShortCode.looksLikeOne("Pocketful Tycoon 69"), "the number last, as some read a code out");
        assertFalse(ShortCode.looksLikeOne("ABCD-EFGH-1234"), "a long code whose last group is digits");
        assertTrue(ShortCode.looksLikeOne("1234-kiwi-orca") == (WordList.PGP.evenIndexOf("kiwi") >= 0));
        assertFalse(ShortCode.looksLikeOne("K7QX-M2PD-9RTA"));
        assertFalse(ShortCode.looksLikeOne("1234-ABCD-EFGH"), "three groups of four stay a long code");
        assertFalse(ShortCode.looksLikeOne("PAIR-0001-TEST"));
        assertFalse(ShortCode.looksLikeOne("correct horse battery staple"));
    }

    @Test
    void newCodesUseBothListsAndTheirPasswordsDiffer() {
        SecureRandom r = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            ShortCode c = ShortCode.random(42, r);
            assertEquals(c, ShortCode.parse(c.toString()));
            seen.add(c.toString());
        }
        assertTrue(seen.size() > 40, "random words");
        ShortCode a = ShortCode.parse("7-guitarist-revenge");
        assertNotEquals(PasswordScalar.of(a.password(null)), PasswordScalar.of(a.password("s")));
        assertNotEquals(PasswordScalar.of(a.password(null)), PasswordScalar.of(ShortCode.parse("8-guitarist-revenge").password(null)));
    }
}
