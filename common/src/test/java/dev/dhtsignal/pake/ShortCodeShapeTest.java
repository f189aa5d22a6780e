package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Text meant as a short code that is not one is told what is wrong; long codes and proper short codes are left alone. */
class ShortCodeShapeTest {
    private static String problem(String typed) {
        Optional<String> p = ShortCodeShape.problem(typed);
        assertTrue(p.isPresent(), typed + " is judged a short code gone wrong");
        return p.get();
    }

    @Test
    void theIssuesExamplesAreShortCodesGoneWrongAndSaySo() {
        String oneWord = problem("90-travesty");
        assertTrue(oneWord.startsWith("'90-travesty' has one word") && oneWord.contains("second word"), oneWord);
        String noNumber = problem("travesty-artist");
        assertTrue(noNumber.startsWith("'travesty-artist' has no number") && noNumber.contains("NUMBER-travesty-artist"), noNumber);
        String extra = problem("90 travesty artist extra");
        assertTrue(extra.contains("a part too many, 'extra'") && extra.contains("did you mean 90-travesty-artist?"), extra);
        String spelled = problem("seven-guitarist-revenge");
        assertTrue(spelled.contains("'seven' is a number in words") && spelled.contains("did you mean 7-guitarist-revenge?"), spelled);
    }

    @Test
    void nearMissesOfTheSameShapesAreJudgedToo() {
        assertTrue(problem("twenty one guitarist revenge").contains("did you mean 21-guitarist-revenge?"));
        assertTrue(problem("90-travesti").contains("has one word"), "a word one letter off");
        assertTrue(problem("revenge 12").contains("its first word"), "an even word alone with its number");
        assertTrue(problem("guitarist").contains("has no number"), "a list word alone");
        assertTrue(problem("7 8 guitarist revenge").contains("2 numbers"));
        assertTrue(problem("10000-guitarist").contains("1 to 9999"));
    }

    @Test
    void longCodesSecretsAndProperShortCodesAreNotJudged() {
        for (String s : new String[] {"K7QX-M2PD-9RTA", "k7qx m2pd 9rta", "YOGA-1234-ABCD", "PAIR-0001-TEST",
                "OFFICE-DOOR-0001", "correct horse battery staple", "7-guitarist-revenge", "7-guitarst-revenge",
                "Guitarist Revenge 7", "hunter2", "ABCD"}) {
            assertEquals(Optional.empty(), ShortCodeShape.problem(s), s);
        }
    }
}
