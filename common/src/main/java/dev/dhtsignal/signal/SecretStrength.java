package dev.dhtsignal.signal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A cautious estimate of how hard a typed session code or secret is to guess, in bits.
 *
 * <p>Counting character classes times length (the usual meter) calls {@code OFFICE-DOOR-0001} a 70-bit
 * secret; a guesser who tries words and number patterns first finds it far sooner. This estimate follows
 * the idea of zxcvbn without its word lists: the text is cut at separators and wherever letters, digits
 * and other characters meet, and each piece costs what the cheapest likely way of guessing it costs:
 * <ul>
 *   <li>one character repeated ({@code aaaa}, {@code 0000}) or a run of the alphabet or of digits,
 *       up or down ({@code abcd}, {@code 4321}): the first character, the length, the direction;</li>
 *   <li>letters, four or more with a vowel: possibly a word, about {@value #WORD_BITS} bits (a
 *       vocabulary of some 30 000 words), plus one bit for capitals; fewer letters, or no vowel:
 *       log2(26) per letter, log2(52) when the case is mixed;</li>
 *   <li>digits: log2(10) per digit, but leading zeros ({@code 0001}) only cost their count;</li>
 *   <li>anything else: log2(33) per character.</li>
 * </ul>
 * The pieces' costs add up. Being cautious, it underrates some random strings (a random run of letters
 * with a vowel counts as a word), never a dictionary phrase of few words.
 */
public final class SecretStrength {
    /** Below this, a secret falls to offline guessing at 10^4 PBKDF2 guesses per second per GPU within weeks. */
    public static final double WEAK_BELOW_BITS = 40;
    static final int WORD_BITS = 15;
    private static final String VOWELS = "aeiouy";
    private static final String CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private SecretStrength() {
    }

    /** The estimated strength of {@code typed}, in bits. */
    public static double bits(String typed) {
        double total = 0;
        for (String piece : pieces(typed)) {
            total += pieceBits(piece);
        }
        return total;
    }

    /**
     * A warning for a typed session code and/or secret (null when not typed) that together estimate under
     * {@link #WEAK_BELOW_BITS}; null when they are strong enough or nothing was typed. Never names them.
     */
    public static String warning(String typedSessionCode, String secret) {
        if (typedSessionCode == null && secret == null) {
            return null;
        }
        double bits = (typedSessionCode == null ? 0 : sessionCodeBits(typedSessionCode)) + (secret == null ? 0 : bits(secret));
        if (bits >= WEAK_BELOW_BITS) {
            return null;
        }
        String what = typedSessionCode != null && secret != null ? "the session code and secret are"
                : typedSessionCode != null ? "the session code is" : "the secret is";
        return what + " easy to guess (about " + Math.round(bits) + " bits by a cautious estimate; "
                + Math.round(WEAK_BELOW_BITS) + " or more advised): anyone who sees the session's DHT keys can try "
                + "guesses offline, then read the SDP and forge answers. Let the offerer generate a code "
                + "(--session with no code) or use a longer secret, e.g. five random words.";
    }

    /**
     * A session code's strength. One typed in the shape the offerer prints, possibly without its dashes
     * (twelve characters of the code alphabet, none of the look-alikes I, L, O, U), is judged in its three
     * groups of four, as printed: run together, its letters would pass for words.
     */
    static double sessionCodeBits(String typed) {
        String bare = typed.replaceAll("[ _-]", "").toUpperCase(Locale.ROOT);
        if (bare.length() == 12 && bare.chars().allMatch(c -> CODE_ALPHABET.indexOf(c) >= 0)) {
            return bits(bare.substring(0, 4) + "-" + bare.substring(4, 8) + "-" + bare.substring(8));
        }
        return bits(typed);
    }

    private static List<String> pieces(String typed) {
        List<String> pieces = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int currentClass = -1;
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == ' ' || c == '-' || c == '_' || c == '.') {
                flush(current, pieces);
                currentClass = -1;
                continue;
            }
            int cls = Character.isLetter(c) ? 0 : Character.isDigit(c) ? 1 : 2;
            if (cls != currentClass) {
                flush(current, pieces);
                currentClass = cls;
            }
            current.append(c);
        }
        flush(current, pieces);
        return pieces;
    }

    private static void flush(StringBuilder current, List<String> pieces) {
        if (current.length() > 0) {
            pieces.add(current.toString());
            current.setLength(0);
        }
    }

    private static double pieceBits(String piece) {
        int n = piece.length();
        char first = piece.charAt(0);
        boolean letters = Character.isLetter(first);
        boolean digits = Character.isDigit(first);
        double perChar = letters ? log2(26) : digits ? log2(10) : log2(33);
        if (n > 1 && (repeated(piece) || sequence(piece))) {
            return perChar + log2(n) + 1;
        }
        if (letters) {
            String lower = piece.toLowerCase(Locale.ROOT);
            boolean mixedCase = !piece.equals(lower) && !piece.equals(piece.toUpperCase(Locale.ROOT));
            boolean capitalised = Character.isUpperCase(first) && piece.substring(1).equals(lower.substring(1));
            double random = n * (mixedCase && !capitalised ? log2(52) : log2(26));
            if (n >= 4 && lower.chars().anyMatch(c -> VOWELS.indexOf(c) >= 0)) {
                return Math.min(random, WORD_BITS + (mixedCase ? 1 : 0));
            }
            return random;
        }
        if (digits) {
            int zeros = 0;
            while (zeros < n - 1 && piece.charAt(zeros) == '0') {
                zeros++;
            }
            return zeros > 0 ? log2(n) + (n - zeros) * perChar : n * perChar;
        }
        return n * perChar;
    }

    private static boolean repeated(String piece) {
        return piece.chars().allMatch(c -> Character.toLowerCase(c) == Character.toLowerCase(piece.charAt(0)));
    }

    private static boolean sequence(String piece) {
        String p = piece.toLowerCase(Locale.ROOT);
        int step = p.charAt(1) - p.charAt(0);
        if (step != 1 && step != -1) {
            return false;
        }
        for (int i = 2; i < p.length(); i++) {
            if (p.charAt(i) - p.charAt(i - 1) != step) {
                return false;
            }
        }
        return true;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
