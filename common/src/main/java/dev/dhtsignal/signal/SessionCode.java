package dev.dhtsignal.signal;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * Session codes people can read out and type: three groups of four characters from Crockford's base32
 * alphabet (no I, L, O or U), e.g. {@code K7QX-M2PD-9RTA}: 60 random bits. Typing is forgiving: case,
 * spaces and dashes do not matter, and O/I/L read as 0/1/1.
 */
public final class SessionCode {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int GROUPS = 3;
    private static final int GROUP_LENGTH = 4;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionCode() {
    }

    public static String generate() {
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < GROUPS; g++) {
            if (g > 0) {
                sb.append('-');
            }
            for (int i = 0; i < GROUP_LENGTH; i++) {
                sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            }
        }
        return sb.toString();
    }

    /**
     * The canonical form of a typed code (upper case, no separators, look-alikes mapped).
     *
     * @throws IllegalArgumentException for an empty code or characters outside the alphabet
     */
    public static String normalize(String typed) {
        StringBuilder sb = new StringBuilder();
        for (char c : typed.toUpperCase(Locale.ROOT).toCharArray()) {
            if (c == '-' || c == ' ' || c == '_') {
                continue;
            }
            char mapped = switch (c) {
                case 'O' -> '0';
                case 'I', 'L' -> '1';
                default -> c;
            };
            if (ALPHABET.indexOf(mapped) < 0) {
                throw new IllegalArgumentException("session code '" + typed + "' has '" + c
                        + "', which is not in 0-9 A-Z (without I, L, O, U)");
            }
            sb.append(mapped);
        }
        if (sb.length() < 4) {
            throw new IllegalArgumentException("session code '" + typed + "' is too short (at least 4 characters)");
        }
        return sb.toString();
    }
}
