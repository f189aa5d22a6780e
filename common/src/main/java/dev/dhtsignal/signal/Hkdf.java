package dev.dhtsignal.signal;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), built on the JDK's {@link Mac}: turns one strong secret key into
 * as many independent keys as needed, each named by its {@code info}, in microseconds.
 */
public final class Hkdf {
    public static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /** Extract: a pseudorandom key from input keying material; no salt means a string of zeros (RFC 5869 §2.2). */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] key = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        return mac(key).doFinal(ikm);
    }

    /** Expand: {@code length} bytes of output keying material from a pseudorandom key (RFC 5869 §2.3). */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF-SHA256 yields 0.." + 255 * HASH_LENGTH + " bytes, not " + length);
        }
        Mac mac = mac(prk);
        byte[] okm = new byte[length];
        byte[] block = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            // T(i) = HMAC(PRK, T(i-1) | info | i)
            mac.update(block);
            mac.update(info);
            mac.update((byte) i);
            block = mac.doFinal();
            int n = Math.min(block.length, length - done);
            System.arraycopy(block, 0, okm, done, n);
            done += n;
        }
        return okm;
    }

    /** Extract, then expand. */
    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not a usable HMAC key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides " + HMAC, e);
        }
    }
}
