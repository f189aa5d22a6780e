package dev.dhtsignal.pake;

import dev.dhtsignal.signal.Hkdf;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP256R1Curve;

/**
 * SPAKE2 as RFC 9382 specifies it, with its ciphersuite SPAKE2-P256-SHA256-HKDF-HMAC: two parties that
 * share a low-entropy password scalar {@code w} agree on a strong key, and each run lets an active attacker
 * test one guess of {@code w}, no more; a passive one learns nothing about it.
 *
 * <pre>
 *  A (the offerer)                              B (the answerer)
 *  x random in [1, n)                           y random in [1, n)
 *  pA = T = w*M + x*P   ------------------&gt;
 *                       &lt;------------------     pB = S = w*N + y*P
 *  K = h*x*(S - w*N)                            K = h*y*(T - w*M)
 *  TT = len(A)||A || len(B)||B || len(pA)||pA || len(pB)||pB || len(K)||K || len(w)||w
 *       (len: 8 bytes little-endian; points uncompressed, 65 bytes; w big-endian, 32 bytes)
 *  Ke || Ka = SHA-256(TT)                       (16 bytes each)
 *  KcA || KcB = HKDF-SHA256(salt none, Ka, info "ConfirmationKeys" || AAD, 32 bytes)
 *  cA = HMAC-SHA256(KcA, TT)                    cB = HMAC-SHA256(KcB, TT)
 * </pre>
 *
 * The curve arithmetic is BouncyCastle's ({@link SecP256R1Curve}); SHA-256, HMAC and HKDF are the JDK's
 * (through {@link Hkdf}). M and N are the RFC's fixed points for P-256. The cofactor h of P-256 is 1.
 * The scalars x and y live only in one object and one exchange: nothing is kept, so a password learned
 * later opens nothing recorded (forward secrecy).
 *
 * <p>Loading this class loads BouncyCastle's elliptic-curve classes; only short session codes use it.
 */
public final class Spake2 {
    /** Which side of the exchange: A sends {@code w*M + x*P}, B sends {@code w*N + y*P}. */
    public enum Role { A, B }

    /** A message from the other side that is not a point of P-256 (other than the identity). */
    public static final class InvalidMessage extends Exception {
        public InvalidMessage(String message) {
            super(message, null, false, false);
        }
    }

    static final ECCurve CURVE = new SecP256R1Curve();
    static final BigInteger ORDER = CURVE.getOrder();
    /** The generator P of P-256 (SEC 2), uncompressed. */
    static final ECPoint P = point("04"
            + "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
            + "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    /** RFC 9382, section 6: M for P-256 (compressed), a point nobody knows the discrete logarithm of. */
    static final ECPoint M = point("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f");
    /** RFC 9382, section 6: N for P-256 (compressed). */
    static final ECPoint N = point("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49");
    static final int POINT_LENGTH = 65;
    static final int SCALAR_LENGTH = 32;
    private static final int HALF_HASH = 16;
    private static final byte[] CONFIRMATION_KEYS = "ConfirmationKeys".getBytes(StandardCharsets.US_ASCII);

    private final Role role;
    private final BigInteger w;
    private final BigInteger scalar;
    private final byte[] message;

    private Spake2(Role role, BigInteger w, BigInteger scalar) {
        if (w.signum() <= 0 || w.compareTo(ORDER) >= 0) {
            throw new IllegalArgumentException("w must be in [1, n)");
        }
        if (scalar.signum() <= 0 || scalar.compareTo(ORDER) >= 0) {
            throw new IllegalArgumentException("the ephemeral scalar must be in [1, n)");
        }
        this.role = role;
        this.w = w;
        this.scalar = scalar;
        ECPoint blind = role == Role.A ? M : N;
        this.message = blind.multiply(w).add(P.multiply(scalar)).normalize().getEncoded(false);
    }

    /**
     * Loads the curve classes and runs the multiplications an exchange makes, on a daemon thread of its
     * own, so that the first real exchange does not pay for it: on a cold JVM that is 100-150 ms of CPU,
     * which otherwise lands between joining the DHT and writing the first message. A program with a
     * short code calls this as it starts, alongside loading WebRTC and joining the DHT.
     */
    public static void warmUpInBackground(String programName) {
        Thread warming = new Thread(() -> {
            BigInteger k = new BigInteger(ORDER.bitLength() - 1, new SecureRandom());
            M.multiply(k).add(N.multiply(k)).add(P.multiply(k)).normalize();
        }, programName + "-spake2-warm-up");
        warming.setDaemon(true);
        warming.start();
    }

    /** Starts one exchange with a fresh ephemeral scalar. */
    public static Spake2 start(Role role, BigInteger w, SecureRandom random) {
        BigInteger scalar;
        do {
            scalar = new BigInteger(ORDER.bitLength() + 64, random).mod(ORDER);
        } while (scalar.signum() == 0);
        return new Spake2(role, w, scalar);
    }

    /** Starts with a given scalar: only for the RFC's test vectors. */
    static Spake2 startWithScalar(Role role, BigInteger w, BigInteger scalar) {
        return new Spake2(role, w, scalar);
    }

    /** Our message, pA (for A) or pB (for B): an uncompressed point, 65 bytes. */
    public byte[] message() {
        return message.clone();
    }

    /**
     * Computes the keys from the other side's message.
     *
     * @param idA A's identity (may be empty), the same on both sides
     * @param idB B's identity (may be empty)
     * @param aad additional data bound into the confirmation keys (may be empty)
     * @throws InvalidMessage when the message is not an uncompressed point of P-256, or makes K the identity
     */
    public Keys finish(byte[] peerMessage, byte[] idA, byte[] idB, byte[] aad) throws InvalidMessage {
        ECPoint peer = decodePeer(peerMessage);
        ECPoint unblind = (role == Role.A ? N : M).multiply(w);
        ECPoint k = peer.subtract(unblind).multiply(scalar).normalize();  // h = 1 for P-256
        if (k.isInfinity()) {
            throw new InvalidMessage("the other side's message makes the shared point the identity");
        }
        byte[] pA = role == Role.A ? message : peerMessage;
        byte[] pB = role == Role.A ? peerMessage : message;
        byte[] tt = transcript(idA, idB, pA, pB, k.getEncoded(false), fixedLength(w));
        byte[] hash = sha256(tt);
        byte[] ke = Arrays.copyOfRange(hash, 0, HALF_HASH);
        byte[] ka = Arrays.copyOfRange(hash, HALF_HASH, 2 * HALF_HASH);
        byte[] info = concat(CONFIRMATION_KEYS, aad);
        byte[] kc = Hkdf.derive(null, ka, info, 2 * HALF_HASH);
        byte[] kcA = Arrays.copyOfRange(kc, 0, HALF_HASH);
        byte[] kcB = Arrays.copyOfRange(kc, HALF_HASH, 2 * HALF_HASH);
        return new Keys(role, ke, ka, kcA, kcB, tt, hmac(kcA, tt), hmac(kcB, tt));
    }

    /**
     * What one side ends with: the shared key Ke, and the key confirmation MACs of both sides (ours to send,
     * the other's to check).
     */
    public static final class Keys {
        private final Role role;
        private final byte[] ke;
        private final byte[] ka;
        private final byte[] kcA;
        private final byte[] kcB;
        private final byte[] transcript;
        private final byte[] cA;
        private final byte[] cB;

        Keys(Role role, byte[] ke, byte[] ka, byte[] kcA, byte[] kcB, byte[] transcript, byte[] cA, byte[] cB) {
            this.role = role;
            this.ke = ke;
            this.ka = ka;
            this.kcA = kcA;
            this.kcB = kcB;
            this.transcript = transcript;
            this.cA = cA;
            this.cB = cB;
        }

        /** The shared key Ke: use it only once the other side's confirmation has been checked. */
        public byte[] sharedKey() {
            return ke.clone();
        }

        /** Our confirmation MAC, to send: cA for A, cB for B. */
        public byte[] ourConfirmation() {
            return (role == Role.A ? cA : cB).clone();
        }

        /** Whether {@code mac} is the other side's confirmation (cB for A, cA for B), compared in constant time. */
        public boolean confirms(byte[] mac) {
            return mac != null && MessageDigest.isEqual(role == Role.A ? cB : cA, mac);
        }

        byte[] ka() {
            return ka.clone();
        }

        byte[] kcA() {
            return kcA.clone();
        }

        byte[] kcB() {
            return kcB.clone();
        }

        byte[] transcript() {
            return transcript.clone();
        }

        byte[] cA() {
            return cA.clone();
        }

        byte[] cB() {
            return cB.clone();
        }
    }

    private static ECPoint decodePeer(byte[] encoded) throws InvalidMessage {
        if (encoded == null || encoded.length != POINT_LENGTH || encoded[0] != 0x04) {
            throw new InvalidMessage("the other side's message is not an uncompressed P-256 point");
        }
        ECPoint p;
        try {
            p = CURVE.decodePoint(encoded);  // checks that the point is on the curve
        } catch (IllegalArgumentException e) {
            throw new InvalidMessage("the other side's message is not a point of P-256");
        }
        if (p.isInfinity() || !p.isValid()) {
            throw new InvalidMessage("the other side's message is not a valid point of P-256");
        }
        return p;
    }

    static byte[] transcript(byte[] idA, byte[] idB, byte[] pA, byte[] pB, byte[] k, byte[] w) {
        ByteArrayOutputStream tt = new ByteArrayOutputStream();
        for (byte[] part : new byte[][] {idA, idB, pA, pB, k, w}) {
            long n = part.length;
            for (int i = 0; i < 8; i++) {
                tt.write((int) (n >>> (8 * i)));  // little-endian, as RFC 9382 says
            }
            tt.writeBytes(part);
        }
        return tt.toByteArray();
    }

    /** w as the RFC's transcript encodes it: big-endian, padded to the length of the group order. */
    static byte[] fixedLength(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[SCALAR_LENGTH];
        int copy = Math.min(raw.length, SCALAR_LENGTH);
        System.arraycopy(raw, raw.length - copy, out, SCALAR_LENGTH - copy, copy);
        return out;
    }

    private static ECPoint point(String hex) {
        return CURVE.decodePoint(HexFormat.of().parseHex(hex)).normalize();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides HmacSHA256", e);
        }
    }
}
