package dev.dhtsignal.pake;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * A short session code, {@code <nameplate>-<word>-<word>} such as {@code 7-guitarist-revenge}: a public
 * number that says where in the DHT the two peers meet, and two words of the PGP word list (the first from
 * its odd list, the second from its even list, 8 bits each) that are the password of a SPAKE2 exchange.
 * The words never reach the DHT, not even hashed; guessing them takes one online attempt per guess, 1 in
 * 65 536 each, and a failed attempt uses the code up.
 *
 * <p>Typing is forgiving: case, and spaces, dashes, dots or underscores between the parts do not matter,
 * the words may come in either order, and a misspelt word or the start of one gets a "did you mean".
 *
 * @param nameplate 1..9999
 * @param first index of the first word in the odd list
 * @param second index of the second word in the even list
 */
public record ShortCode(int nameplate, int first, int second) {
    public static final int MAX_NAMEPLATE = 9999;
    private static final String SEPARATORS = "[\\s\\-_.,:/]+";
    private static final String VERSION = "webrtc-dht-signaling/pake/v1";

    public ShortCode {
        if (nameplate < 1 || nameplate > MAX_NAMEPLATE) {
            throw new IllegalArgumentException("a nameplate is a number from 1 to " + MAX_NAMEPLATE + ", not " + nameplate);
        }
        if (first < 0 || first >= WordList.SIZE || second < 0 || second >= WordList.SIZE) {
            throw new IllegalArgumentException("word indexes are 0..255");
        }
    }

    /** A new code for a nameplate, with two random words. */
    public static ShortCode random(int nameplate, SecureRandom random) {
        return new ShortCode(nameplate, random.nextInt(WordList.SIZE), random.nextInt(WordList.SIZE));
    }

    public String firstWord() {
        return WordList.PGP.odd(first);
    }

    public String secondWord() {
        return WordList.PGP.even(second);
    }

    @Override
    public String toString() {
        return nameplate + "-" + firstWord() + "-" + secondWord();
    }

    /**
     * The SPAKE2 password: the code's canonical text, and the {@code --secret} too when there is one (then
     * both are needed). It never leaves this machine.
     */
    public byte[] password(String secret) {
        String text = VERSION + "\ncode:" + this + (secret == null ? "" : "\nsecret:" + secret);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether typed text is meant as a short code rather than a long one ({@code K7QX-M2PD-9RTA}): a number
     * and two groups of letters. Three groups of four characters read as a long code unless both groups of
     * letters are words of the list, so {@code 1234-ABCD-EFGH} stays a long code.
     */
    public static boolean looksLikeOne(String typed) {
        String[] parts = numberFirst(typed.strip().split(SEPARATORS));
        if (parts.length != 3 || !parts[0].matches("[0-9]{1,4}") || !parts[1].matches("[A-Za-z]+")
                || !parts[2].matches("[A-Za-z]+")) {
            return false;
        }
        boolean longCodeShape = parts[0].length() == 4 && parts[1].length() == 4 && parts[2].length() == 4;
        return !longCodeShape || isWord(parts[1]) && isWord(parts[2]);
    }

    /**
     * The parts with the number first, wherever it was typed ("guitarist revenge 7" is read as
     * 7-guitarist-revenge): people read a code out in the order they remember it.
     */
    private static String[] numberFirst(String[] parts) {
        if (parts.length != 3 || parts[0].matches("[0-9]{1,4}")) {
            return parts;
        }
        for (int i = 1; i < 3; i++) {
            if (parts[i].matches("[0-9]{1,4}")) {
                return new String[] {parts[i], parts[0], parts[i == 1 ? 2 : 1]};
            }
        }
        return parts;
    }

    private static boolean isWord(String w) {
        return WordList.PGP.oddIndexOf(w) >= 0 || WordList.PGP.evenIndexOf(w) >= 0;
    }

    /**
     * Reads a typed code.
     *
     * @throws IllegalArgumentException saying what is wrong, with "did you mean ...?" for a near miss
     */
    public static ShortCode parse(String typed) {
        String[] parts = numberFirst(typed.strip().toLowerCase(Locale.ROOT).split(SEPARATORS));
        if (parts.length != 3 || !parts[0].matches("[0-9]{1,4}")) {
            throw new IllegalArgumentException("'" + typed + "' is not a short code: it is a number and two words, "
                    + "like 7-guitarist-revenge");
        }
        int nameplate = Integer.parseInt(parts[0]);
        if (nameplate < 1) {
            throw new IllegalArgumentException("'" + typed + "': the number of a code is 1 to " + MAX_NAMEPLATE);
        }
        WordList words = WordList.PGP;
        // The right order: odd word, even word. The lists do not share a word, so a swapped pair is still clear.
        if (words.oddIndexOf(parts[1]) >= 0 && words.evenIndexOf(parts[2]) >= 0) {
            return new ShortCode(nameplate, words.oddIndexOf(parts[1]), words.evenIndexOf(parts[2]));
        }
        if (words.evenIndexOf(parts[1]) >= 0 && words.oddIndexOf(parts[2]) >= 0) {
            return new ShortCode(nameplate, words.oddIndexOf(parts[2]), words.evenIndexOf(parts[1]));
        }
        throw new IllegalArgumentException(typo(typed, nameplate, parts[1], parts[2]));
    }

    /** Explains which word is not in the list, and suggests the code most likely meant. */
    private static String typo(String typed, int nameplate, String one, String two) {
        WordList words = WordList.PGP;
        String firstGuess = words.oddIndexOf(one) >= 0 ? one : words.closest(one, true);
        String secondGuess = words.evenIndexOf(two) >= 0 ? two : words.closest(two, false);
        if (firstGuess == null || secondGuess == null) {
            // Perhaps the words were typed the other way round: an even word first.
            String swappedSecond = words.evenIndexOf(one) >= 0 ? one : words.closest(one, false);
            String swappedFirst = words.oddIndexOf(two) >= 0 ? two : words.closest(two, true);
            if (swappedFirst != null && swappedSecond != null) {
                firstGuess = swappedFirst;
                secondGuess = swappedSecond;
            }
        }
        StringBuilder sb = new StringBuilder("'" + typed + "': ");
        String unknown = words.oddIndexOf(one) < 0 && words.evenIndexOf(one) < 0 ? one
                : words.oddIndexOf(two) < 0 && words.evenIndexOf(two) < 0 ? two : null;
        if (unknown != null) {
            sb.append("'").append(unknown).append("' is not a word of the code list (the PGP word list)");
        } else {
            sb.append("the two words are from the same half of the word list, so this is not a code that was made");
        }
        if (firstGuess != null && secondGuess != null) {
            sb.append("; did you mean ").append(nameplate).append('-').append(firstGuess).append('-').append(secondGuess).append('?');
        } else {
            sb.append("; check the code you were given");
        }
        return sb.toString();
    }
}
