package dev.dhtsignal.pake;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Typed text that is meant as a short code but is not one: a part missing ({@code 90-travesty},
 * {@code travesty-artist}), one too many ({@code 90 travesty artist extra}), or the number spelled out
 * ({@code seven-guitarist-revenge}). Such text is not a number and two words, so {@link ShortCode#looksLikeOne}
 * does not take it, yet most of it would pass as a long code (all its letters are in the long codes'
 * alphabet) and cost the person the whole wait before it failed. Here it is judged as what it was meant
 * to be, and what is wrong is said at once.
 *
 * <p>The judgement: no part mixes letters and digits (long codes' groups do, {@code K7QX-M2PD-9RTA}), and
 * at least one part is a word of the code list or near one (a letter wrong or the start of one); with
 * only one such word, the only other part must be a number (in digits or words), unless the word is
 * exactly a word of the list and typed alone. So {@code OFFICE-DOOR-0001} and {@code correct horse battery staple} stay
 * long codes: none of their words is near a word of the list.
 */
public final class ShortCodeShape {
    private static final String SEPARATORS = "[\\s\\-_.,:/]+";
    /** Three groups of four characters of the long codes' alphabet (which has no U): a long code whatever its letters spell. */
    private static final java.util.regex.Pattern LONG_CODE_SHAPE = java.util.regex.Pattern.compile(
            "[0-9a-tv-zA-TV-Z]{4}([\\s\\-_]+[0-9a-tv-zA-TV-Z]{4}){2}");
    private static final String EXAMPLE = "a short code is a number and two words, like 7-guitarist-revenge";
    private static final List<String> UNITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen");
    private static final List<String> TENS = List.of("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
            "eighty", "ninety");

    private ShortCodeShape() {
    }

    /** What a part of the typed text is. */
    private enum Kind { DIGITS, NUMBER_IN_WORDS, WORD, NEAR_WORD, LETTERS, MIXED }

    private record Part(String text, Kind kind, int number, String word, boolean odd) {
    }

    /**
     * Why {@code typed} is a short code gone wrong, for a person ("'90-travesty' has one word: ..."), or
     * empty when it is not meant as a short code (a long code, or a proper short code, which
     * {@link ShortCode#parse} reads).
     */
    public static Optional<String> problem(String typed) {
        if (ShortCode.looksLikeOne(typed) || LONG_CODE_SHAPE.matcher(typed.strip()).matches()) {
            return Optional.empty();
        }
        List<Part> parts = parts(typed);
        if (parts.isEmpty() || parts.stream().anyMatch(p -> p.kind() == Kind.MIXED)) {
            return Optional.empty();
        }
        List<Part> numbers = parts.stream().filter(p -> p.kind() == Kind.DIGITS || p.kind() == Kind.NUMBER_IN_WORDS).toList();
        List<Part> words = parts.stream().filter(p -> p.kind() == Kind.WORD || p.kind() == Kind.NEAR_WORD).toList();
        List<Part> others = parts.stream().filter(p -> p.kind() == Kind.LETTERS).toList();
        boolean exactAlone = parts.size() == 1 && words.size() == 1 && words.get(0).kind() == Kind.WORD;
        if (words.isEmpty() || (words.size() == 1 && (!others.isEmpty() || numbers.isEmpty() && !exactAlone))) {
            return Optional.empty();
        }
        String quoted = "'" + typed.strip() + "'";
        if (numbers.size() > 1) {
            return Optional.of(quoted + " has " + numbers.size() + " numbers; " + EXAMPLE + " (one number, first)");
        }
        Integer number = numbers.isEmpty() ? null : numbers.get(0).number();
        String suggestion = suggestion(number, words);
        String didYouMean = suggestion == null ? "" : "; did you mean " + suggestion + "?";
        if (number != null && numbers.get(0).kind() == Kind.NUMBER_IN_WORDS && words.size() == 2 && others.isEmpty()) {
            return Optional.of(quoted + ": '" + numbers.get(0).text() + "' is a number in words; " + EXAMPLE
                    + ", the number in digits" + didYouMean);
        }
        if (number != null && (number < 1 || number > ShortCode.MAX_NAMEPLATE)) {
            return Optional.of(quoted + ": the number of a code is 1 to " + ShortCode.MAX_NAMEPLATE + ", not " + number);
        }
        if (!others.isEmpty() || words.size() > 2) {
            List<String> extra = new ArrayList<>();
            others.forEach(p -> extra.add("'" + p.text() + "'"));
            for (int i = 2; i < words.size(); i++) {
                extra.add("'" + words.get(i).text() + "'");
            }
            return Optional.of(quoted + " has " + (extra.size() == 1 ? "a part too many, " : "parts too many, ")
                    + String.join(" and ", extra) + "; " + EXAMPLE + didYouMean);
        }
        if (number == null) {
            return Optional.of(quoted + " has no number; " + EXAMPLE + ": put the number the offerer printed before "
                    + "the words, " + (suggestion == null ? "NUMBER-" + wordsOf(words) : suggestion.replaceFirst("^N-", "NUMBER-")));
        }
        // A number and one word: say which word is missing.
        Part word = words.get(0);
        String missing = word.odd() ? "its second word (a word of two syllables, like revenge)"
                : "its first word (a word of three syllables, like guitarist)";
        return Optional.of(quoted + " has one word; " + EXAMPLE + ": " + missing + " is missing; check the code you were given");
    }

    /** The code most likely meant, "7-guitarist-revenge", or "N-guitarist-revenge" without the number; null if unclear. */
    private static String suggestion(Integer number, List<Part> words) {
        if (words.size() < 2) {
            return null;
        }
        Part a = words.get(0);
        Part b = words.get(1);
        if (a.odd() == b.odd()) {
            return null;
        }
        Part odd = a.odd() ? a : b;
        Part even = a.odd() ? b : a;
        return (number == null ? "N" : String.valueOf(number)) + "-" + odd.word() + "-" + even.word();
    }

    private static String wordsOf(List<Part> words) {
        List<String> w = new ArrayList<>();
        words.forEach(p -> w.add(p.word()));
        return String.join("-", w);
    }

    /** The typed parts, with adjacent number words joined ("twenty one" is 21). */
    private static List<Part> parts(String typed) {
        List<Part> parts = new ArrayList<>();
        for (String raw : typed.strip().toLowerCase(Locale.ROOT).split(SEPARATORS)) {
            if (raw.isEmpty()) {
                continue;
            }
            Part p = part(raw);
            Part last = parts.isEmpty() ? null : parts.get(parts.size() - 1);
            if (p.kind() == Kind.NUMBER_IN_WORDS && last != null && last.kind() == Kind.NUMBER_IN_WORDS
                    && last.number() >= 20 && last.number() % 10 == 0 && p.number() < 10) {
                parts.set(parts.size() - 1, new Part(last.text() + "-" + p.text(), Kind.NUMBER_IN_WORDS,
                        last.number() + p.number(), null, false));
            } else {
                parts.add(p);
            }
        }
        return parts;
    }

    private static Part part(String text) {
        if (text.matches("[0-9]+")) {
            return new Part(text, Kind.DIGITS, text.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(text), null, false);
        }
        if (!text.matches("\\p{L}+")) {
            return new Part(text, Kind.MIXED, 0, null, false);
        }
        int inWords = numberInWords(text);
        if (inWords >= 0) {
            return new Part(text, Kind.NUMBER_IN_WORDS, inWords, null, false);
        }
        WordList words = WordList.PGP;
        if (words.oddIndexOf(text) >= 0) {
            return new Part(text, Kind.WORD, 0, text, true);
        }
        if (words.evenIndexOf(text) >= 0) {
            return new Part(text, Kind.WORD, 0, text, false);
        }
        String odd = words.closest(text, true);
        String even = words.closest(text, false);
        if (odd != null && (even == null || WordList.distance(text, odd) <= WordList.distance(text, even))) {
            return new Part(text, Kind.NEAR_WORD, 0, odd, true);
        }
        if (even != null) {
            return new Part(text, Kind.NEAR_WORD, 0, even, false);
        }
        return new Part(text, Kind.LETTERS, 0, null, false);
    }

    /** 0..99 for a number written in words ("seven", "twenty", "ninetynine"), else -1. */
    private static int numberInWords(String text) {
        int unit = UNITS.indexOf(text);
        if (unit >= 0) {
            return unit;
        }
        for (int t = 2; t < TENS.size(); t++) {
            String tens = TENS.get(t);
            if (text.equals(tens)) {
                return t * 10;
            }
            if (text.startsWith(tens)) {
                int u = UNITS.indexOf(text.substring(tens.length()));
                if (u >= 1 && u <= 9) {
                    return t * 10 + u;
                }
            }
        }
        return -1;
    }
}
