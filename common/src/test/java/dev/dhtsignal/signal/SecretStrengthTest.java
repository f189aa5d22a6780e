package dev.dhtsignal.signal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which typed codes and secrets get the weak-secret warning. */
class SecretStrengthTest {
    @Test
    void wordsAndNumberPatternsAreWeakHoweverLong() {
        for (String weak : List.of("OFFICE-DOOR-0001", "office door 1", "AAAA-BBBB-CCCC", "1234-5678", "Password1",
                "hunter2", "k7qx", "Summer2026!", "qwerty", "letmein letmein")) {
            assertTrue(SecretStrength.bits(weak) < SecretStrength.WEAK_BELOW_BITS, weak + ": " + SecretStrength.bits(weak));
            String warning = SecretStrength.warning(weak, null);
            assertNotNull(warning, weak);
            assertTrue(!warning.contains(weak), "the warning never repeats the secret: " + warning);
        }
        assertNotNull(SecretStrength.warning(null, "hunter2"));
    }

    @Test
    void longPhrasesRandomStringsAndGeneratedCodesAreNotWarned() {
        for (String strong : List.of("correct horse battery staple", "K7QX-M2PD-9RTA", "k7qxm2pd9rta", "9f3kQz!7xW#2vR", "tr0ub4dor&3 zebra piano")) {
            assertTrue(SecretStrength.bits(strong) >= SecretStrength.WEAK_BELOW_BITS, strong + ": " + SecretStrength.bits(strong));
            assertNull(SecretStrength.warning(null, strong));
        }
        assertNull(SecretStrength.warning(null, null), "nothing typed, nothing to warn about");
    }

    @Test
    void codesTheOffererGeneratesAlmostNeverGetTheWarning() {
        int warned = 0;
        for (int i = 0; i < 10_000; i++) {
            String code = SessionCode.generate();
            // As printed, and as someone might type it: without dashes, in lower case.
            if (SecretStrength.warning(code, null) != null
                    || SecretStrength.warning(code.replace("-", "").toLowerCase(java.util.Locale.ROOT), null) != null) {
                warned++;
            }
        }
        // A generated group can by chance read as a repeat or a run ("0000", "ABCD"): about 1 in 1000, and
        // only a warning. The bound is far above that rate, so random draws cannot fail the test, and far
        // below what an estimator that misjudged generated codes would give.
        assertTrue(warned < 100, warned + " of 10 000 generated codes were warned");
    }
}
