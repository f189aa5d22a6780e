package dev.dhtsignal.pake;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The PGP word list: 256 "even" words of two syllables and 256 "odd" words of three, chosen to sound unlike
 * each other when read aloud (resource {@code pgp-words.txt}). All lower case here; typing ignores case.
 */
public final class WordList {
    public static final WordList PGP = load("pgp-words.txt");
    public static final int SIZE = 256;

    private final List<String> even;
    private final List<String> odd;
    private final Map<String, Integer> evenIndex = new HashMap<>();
    private final Map<String, Integer> oddIndex = new HashMap<>();

    private WordList(List<String> even, List<String> odd) {
        if (even.size() != SIZE || odd.size() != SIZE) {
            throw new IllegalStateException("the word list needs " + SIZE + " even and odd words, has " + even.size() + "/" + odd.size());
        }
        this.even = List.copyOf(even);
        this.odd = List.copyOf(odd);
        for (int i = 0; i < SIZE; i++) {
            evenIndex.put(even.get(i), i);
            oddIndex.put(odd.get(i), i);
        }
        if (evenIndex.size() != SIZE || oddIndex.size() != SIZE) {
            throw new IllegalStateException("the word list has a word twice");
        }
    }

    private static WordList load(String resource) {
        List<String> even = new ArrayList<>();
        List<String> odd = new ArrayList<>();
        try (InputStream in = WordList.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the word list resource " + resource + " is missing");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                if (f.length != 3 || Integer.parseInt(f[0], 16) != even.size()) {
                    throw new IllegalStateException("bad line in " + resource + ": " + line);
                }
                even.add(f[1].toLowerCase(Locale.ROOT));
                odd.add(f[2].toLowerCase(Locale.ROOT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new WordList(even, odd);
    }

    public String even(int index) {
        return even.get(index);
    }

    public String odd(int index) {
        return odd.get(index);
    }

    /** The index of an even word (any case), or -1. */
    public int evenIndexOf(String word) {
        return evenIndex.getOrDefault(word.toLowerCase(Locale.ROOT), -1);
    }

    /** The index of an odd word (any case), or -1. */
    public int oddIndexOf(String word) {
        return oddIndex.getOrDefault(word.toLowerCase(Locale.ROOT), -1);
    }

    /**
     * The word of one list that {@code typed} most likely meant, or null when none is close: the only word
     * it begins (from three letters on, as a completion), else the nearest by edit distance (a letter
     * wrong, missing, extra, or two swapped counts one), if that is at most a third of the word's length.
     */
    public String closest(String typed, boolean oddList) {
        String t = typed.toLowerCase(Locale.ROOT);
        List<String> words = oddList ? odd : even;
        if (t.length() >= 3) {
            List<String> completions = words.stream().filter(w -> w.startsWith(t)).toList();
            if (completions.size() == 1) {
                return completions.get(0);
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String w : words) {
            int d = distance(t, w);
            if (d < bestDistance) {
                best = w;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(1, best.length() / 3) ? best : null;
    }

    /** Words of one list that begin with {@code prefix}: what a completion offers. */
    public List<String> completions(String prefix, boolean oddList) {
        String p = prefix.toLowerCase(Locale.ROOT);
        return (oddList ? odd : even).stream().filter(w -> w.startsWith(p)).toList();
    }

    /**
     * Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost one.
     * Also what tells a mistyped option from the one meant ({@code --sesion}, {@code --session}).
     */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
