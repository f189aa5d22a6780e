package dev.dhtsignal.cli;

import java.util.regex.Pattern;

/** Words of a printed command, quoted so that a POSIX shell (bash, zsh) reads each back as it was. */
public final class Shell {
    /** Characters no shell gives a meaning to in a word: such words need no quotes. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:,=@%+-]+");

    private Shell() {
    }

    /** The word as is when it is plain, else in single quotes (a quote inside becomes '\''). */
    public static String quote(String word) {
        if (PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
