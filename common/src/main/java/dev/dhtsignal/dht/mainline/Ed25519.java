package dev.dhtsignal.dht.mainline;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * Ed25519 with the JDK's own implementation, in the form BEP 44 uses: a public key is the 32-byte point
 * encoding of RFC 8032 (y little-endian, the top bit holding the parity of x), a signature 64 bytes.
 */
public final class Ed25519 {
    public static final int PUBLIC_KEY_LENGTH = 32;
    public static final int SEED_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    private Ed25519() {
    }

    /** A signing key and its public key in BEP 44's 32-byte form. */
    public record SigningKey(PrivateKey privateKey, byte[] publicKey) {
        public SigningKey {
            publicKey = publicKey.clone();
        }

        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }

        public byte[] sign(byte[] message) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(privateKey);
                s.update(message);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK provides Ed25519", e);
            }
        }

        @Override
        public String toString() {
            return "SigningKey[" + java.util.HexFormat.of().formatHex(publicKey) + "]";
        }
    }

    /**
     * The key pair whose private key is the 32-byte RFC 8032 seed {@code seed}. The JDK makes an Ed25519
     * private key from exactly 32 bytes drawn from its random source, so a source that yields the seed
     * gives the pair deterministically; both peers of a session derive the same key this way.
     */
    public static SigningKey fromSeed(byte[] seed) {
        if (seed.length != SEED_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, new SeedSource(seed));
            KeyPair pair = g.generateKeyPair();
            return new SigningKey(pair.getPrivate(), encodePoint(((EdECPublicKey) pair.getPublic()).getPoint()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides Ed25519", e);
        }
    }

    public static SigningKey generate() {
        byte[] seed = new byte[SEED_LENGTH];
        new SecureRandom().nextBytes(seed);
        return fromSeed(seed);
    }

    /** Whether {@code signature} is a valid signature of {@code message} by the 32-byte {@code publicKey}. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey.length != PUBLIC_KEY_LENGTH || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, decodePoint(publicKey)));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;   // not a point on the curve, or a malformed signature
        }
    }

    /** RFC 8032 section 5.1.2: y as 32 little-endian bytes, the most significant bit set when x is odd. */
    static byte[] encodePoint(EdECPoint point) {
        byte[] bigEndian = point.getY().toByteArray();
        byte[] out = new byte[PUBLIC_KEY_LENGTH];
        for (int i = 0; i < PUBLIC_KEY_LENGTH && i < bigEndian.length; i++) {
            out[i] = bigEndian[bigEndian.length - 1 - i];
        }
        if (point.isXOdd()) {
            out[PUBLIC_KEY_LENGTH - 1] |= (byte) 0x80;
        }
        return out;
    }

    static EdECPoint decodePoint(byte[] encoded) {
        byte[] le = Arrays.copyOf(encoded, PUBLIC_KEY_LENGTH);
        boolean xOdd = (le[PUBLIC_KEY_LENGTH - 1] & 0x80) != 0;
        le[PUBLIC_KEY_LENGTH - 1] &= 0x7f;
        byte[] be = new byte[PUBLIC_KEY_LENGTH];
        for (int i = 0; i < PUBLIC_KEY_LENGTH; i++) {
            be[i] = le[PUBLIC_KEY_LENGTH - 1 - i];
        }
        return new EdECPoint(xOdd, new BigInteger(1, be));
    }

    /** A random source that yields one fixed seed: see {@link #fromSeed}. */
    private static final class SeedSource extends SecureRandom {
        private final byte[] seed;

        SeedSource(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("the key generator asked for " + bytes.length + " bytes, not a 32-byte seed");
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
    }
}
