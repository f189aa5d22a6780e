package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret two peers share (a session code, a {@code --secret}, or both) and the keys derived from it,
 * all with the JDK's own primitives:
 *
 * <pre>
 *  root          = PBKDF2-HMAC-SHA256(secret, "webrtc-dht-signaling/v2/root", 600 000 iterations, 256 bits)
 *  locator key   = HKDF-SHA256(salt none, root, info "webrtc-dht-signaling/v2/locator", 32 bytes)
 *  DHT key       = first 20 bytes of HMAC-SHA256(locator key, label)          e.g. label "webrtc-offer#0"
 *  offer key     = HKDF-SHA256(salt of the exchange, root, info "webrtc-dht-signaling/v2/offer", 32 bytes)
 *  answer key    = HKDF-SHA256(salt of the exchange, root, info "webrtc-dht-signaling/v2/answer", 32 bytes)
 * </pre>
 *
 * Both sides must find the DHT keys from the secret alone, so the root's salt is fixed. The root is slow
 * to compute (PBKDF2, once per secret and side) so that guessing a weak secret from a DHT key costs
 * 600 000 hashes per guess; the iteration count is OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
 * Everything after it is HKDF (RFC 5869): the keys of one exchange come from the root and the salt the
 * offerer picked, in microseconds, so a value naming a fresh salt (a forgery) costs its reader nothing
 * worth attacking, and keys of one exchange say nothing about another's.
 */
public final class SharedSecret {
    static final int PBKDF2_ITERATIONS = 600_000;
    private static final String VERSION = "webrtc-dht-signaling/v2/";
    private static final byte[] ROOT_SALT = bytes(VERSION + "root");
    private static final byte[] LOCATOR_INFO = bytes(VERSION + "locator");
    private static final byte[] OFFER_INFO = bytes(VERSION + "offer");
    private static final byte[] ANSWER_INFO = bytes(VERSION + "answer");
    private static final int AES_KEY_LENGTH = 32;

    private final char[] secret;
    private volatile byte[] root;
    private volatile byte[] locatorKey;
    private final AtomicInteger pbkdf2Runs = new AtomicInteger();

    /** The AES keys of one offer/answer exchange, and the salt they were derived with. */
    public record SealKeys(byte[] salt, SecretKey offerKey, SecretKey answerKey) {
        public SealKeys {
            salt = salt.clone();
        }
    }

    private SharedSecret(char[] secret) {
        this.secret = secret;
    }

    /**
     * A secret from a session code and/or a {@code --secret} string; at least one must be given. The code is
     * normalised first, so peers that type it differently still agree.
     */
    public static SharedSecret of(String sessionCode, String secret) {
        StringBuilder sb = new StringBuilder();
        if (sessionCode != null) {
            sb.append("session:").append(SessionCode.normalize(sessionCode));
        }
        if (secret != null) {
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("the secret is empty");
            }
            sb.append(sb.length() > 0 ? "\n" : "").append("secret:").append(secret);
        }
        if (sb.length() == 0) {
            throw new IllegalArgumentException("a shared secret needs a session code or a secret");
        }
        char[] chars = new char[sb.length()];
        sb.getChars(0, sb.length(), chars, 0);
        return new SharedSecret(chars);
    }

    /**
     * A secret that is already a full-strength key, such as the output of a PAKE (see
     * {@code dev.dhtsignal.pake.PakeHandshake}): it is the root itself, so no PBKDF2 is run on it.
     */
    public static SharedSecret fromKey(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("a key as a shared secret needs 32 bytes, got " + key.length);
        }
        SharedSecret s = new SharedSecret(null);
        s.root = key.clone();
        return s;
    }

    /**
     * Whether other exchanges can use this secret too: a typed code or secret can be used again, so a
     * value left under its keys can mislead a later peer; a key-exchange key ({@link #fromKey}) is this
     * exchange's alone.
     */
    public boolean isReusable() {
        return secret != null;
    }

    /** The 20-byte DHT key for {@code label}; the label and the secret never appear on the wire. */
    public NodeId dhtKey(String label) {
        byte[] mac = hmac(locatorKey(), label);
        return NodeId.of(Arrays.copyOf(mac, NodeId.LENGTH));
    }

    /**
     * 32 bytes derived from the secret for {@code label} (HKDF-SHA256 from the root, info the version and
     * the label), for keys both sides must compute alone: e.g. the Ed25519 seed and the salt of a Mainline
     * DHT item.
     */
    public byte[] derive(String label) {
        return Hkdf.derive(null, root(), bytes(VERSION + label), Hkdf.HASH_LENGTH);
    }

    /** Derives the root now (it is slow), so it is ready by the time keys are needed. */
    public SharedSecret prepare() {
        root();
        return this;
    }

    private byte[] root() {
        byte[] r = root;
        if (r == null) {
            synchronized (this) {
                if (root == null) {
                    root = pbkdf2(ROOT_SALT);
                }
                r = root;
            }
        }
        return r;
    }

    private byte[] locatorKey() {
        byte[] k = locatorKey;
        if (k == null) {
            k = Hkdf.derive(null, root(), LOCATOR_INFO, Hkdf.HASH_LENGTH);
            locatorKey = k;
        }
        return k;
    }

    /** The keys for an exchange with this salt: two HKDF runs from the root, no PBKDF2. */
    public SealKeys sealKeys(byte[] salt) {
        byte[] prk = Hkdf.extract(salt, root());
        return new SealKeys(salt, new SecretKeySpec(Hkdf.expand(prk, OFFER_INFO, AES_KEY_LENGTH), "AES"),
                new SecretKeySpec(Hkdf.expand(prk, ANSWER_INFO, AES_KEY_LENGTH), "AES"));
    }

    /** How many PBKDF2 runs this secret has cost so far: one, however many values were read. */
    int pbkdf2Runs() {
        return pbkdf2Runs.get();
    }

    private byte[] pbkdf2(byte[] salt) {
        pbkdf2Runs.incrementAndGet();
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            return f.generateSecret(new PBEKeySpec(secret, salt, PBKDF2_ITERATIONS, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides PBKDF2WithHmacSHA256", e);
        }
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(bytes(label));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides HmacSHA256", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SharedSecret[hidden]";
    }
}
