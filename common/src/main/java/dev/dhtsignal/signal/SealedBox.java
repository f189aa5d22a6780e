package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The sealed value format: AES-256-GCM from the JDK over the JSON of a {@link SignalMessage}.
 *
 * <pre>
 *  offset  size  field
 *  0       4     magic "WDS2" (version 2: keys derived with HKDF, see SharedSecret)
 *  4       1     kind: 'O' (0x4f) offer, 'A' (0x41) answer
 *  5       16    salt of the exchange's seal keys (an answer repeats its offer's)
 *  21      12    nonce, random per value
 *  33      n+16  ciphertext of the JSON, then the 16-byte GCM tag
 *  additional authenticated data: bytes 0..32 followed by the 20-byte DHT key the value is stored under
 * </pre>
 *
 * Binding the DHT key into the tag means a value copied to another slot or session does not open; the
 * kind byte means an offer cannot pass as an answer. Everything else (freshness, which offer an answer
 * belongs to) is inside the ciphertext and checked by the caller.
 */
public final class SealedBox {
    static final byte[] MAGIC = "WDS2".getBytes(StandardCharsets.US_ASCII);
    public static final int SALT_LENGTH = 16;
    static final int NONCE_LENGTH = 12;
    static final int HEADER_LENGTH = MAGIC.length + 1 + SALT_LENGTH + NONCE_LENGTH;
    static final int TAG_BITS = 128;

    /** Which of the two messages a box holds. */
    public enum Kind {
        OFFER((byte) 'O'), ANSWER((byte) 'A');

        final byte code;

        Kind(byte code) {
            this.code = code;
        }
    }

    /** Why a value did not open. */
    public static final class SealException extends Exception {
        public SealException(String message) {
            super(message, null, false, false);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private SealedBox() {
    }

    public static byte[] newSalt() {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return salt;
    }

    public static byte[] seal(Kind kind, SharedSecret.SealKeys keys, NodeId dhtKey, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        return seal(kind, keys, dhtKey, plaintext, nonce);
    }

    /** Seals with a given nonce; only for the golden test, which needs fixed bytes. */
    static byte[] seal(Kind kind, SharedSecret.SealKeys keys, NodeId dhtKey, byte[] plaintext, byte[] nonce) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH);
        header.put(MAGIC).put(kind.code).put(keys.salt()).put(nonce);
        byte[] head = header.array();
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, keyFor(kind, keys), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(head);
            gcm.updateAAD(dhtKey.toBytes());
            byte[] sealed = gcm.doFinal(plaintext);
            byte[] out = Arrays.copyOf(head, head.length + sealed.length);
            System.arraycopy(sealed, 0, out, head.length, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides AES/GCM", e);
        }
    }

    /** The salt a sealed value names, so the reader can derive its keys; fails if it is not a sealed value. */
    public static byte[] saltOf(byte[] box, Kind expected) throws SealException {
        checkHeader(box, expected);
        return Arrays.copyOfRange(box, MAGIC.length + 1, MAGIC.length + 1 + SALT_LENGTH);
    }

    /**
     * Opens a box stored under {@code dhtKey}.
     *
     * @throws SealException when it is not a sealed value of this kind, or does not authenticate (wrong
     *                       secret, tampered, forged, or moved from another key)
     */
    public static byte[] open(byte[] box, Kind expected, SharedSecret.SealKeys keys, NodeId dhtKey) throws SealException {
        checkHeader(box, expected);
        byte[] head = Arrays.copyOfRange(box, 0, HEADER_LENGTH);
        byte[] nonce = Arrays.copyOfRange(box, MAGIC.length + 1 + SALT_LENGTH, HEADER_LENGTH);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, keyFor(expected, keys), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(head);
            gcm.updateAAD(dhtKey.toBytes());
            return gcm.doFinal(box, HEADER_LENGTH, box.length - HEADER_LENGTH);
        } catch (AEADBadTagException e) {
            throw new SealException("does not open: wrong secret, tampered or forged");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides AES/GCM", e);
        }
    }

    private static void checkHeader(byte[] box, Kind expected) throws SealException {
        if (box.length >= MAGIC.length && Arrays.equals(box, 0, MAGIC.length - 1, MAGIC, 0, MAGIC.length - 1)
                && box[MAGIC.length - 1] != MAGIC[MAGIC.length - 1]) {
            throw new SealException("is sealed in another format version ("
                    + new String(box, 0, MAGIC.length, StandardCharsets.ISO_8859_1) + "; this program reads "
                    + new String(MAGIC, StandardCharsets.US_ASCII) + "): the peers' versions differ");
        }
        if (box.length < HEADER_LENGTH + TAG_BITS / 8
                || !Arrays.equals(box, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new SealException("is not a sealed value");
        }
        if (box[MAGIC.length] != expected.code) {
            String found = box[MAGIC.length] == Kind.OFFER.code ? "an offer" : box[MAGIC.length] == Kind.ANSWER.code
                    ? "an answer" : "an unknown kind of value";
            throw new SealException("is " + found + " where " + (expected == Kind.OFFER ? "an offer" : "an answer") + " belongs");
        }
    }

    private static SecretKey keyFor(Kind kind, SharedSecret.SealKeys keys) {
        return kind == Kind.OFFER ? keys.offerKey() : keys.answerKey();
    }
}
