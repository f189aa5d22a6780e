package dev.dhtsignal.signal.exchange;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random ids that name one offer, so its answer can say which offer it answers. */
final class OfferIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private OfferIds() {
    }

    static String next() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The first 8 characters, for prefixes and logs. */
    static String shortForm(String offerId) {
        return offerId == null ? "--------" : offerId.substring(0, Math.min(8, offerId.length()));
    }
}
