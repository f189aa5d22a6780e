package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
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
 *  locator root = PBKDF2-HMAC-SHA256(secret, "webrtc-dht-signaling/v1/locator", 600 000 iterations, 256 bits)
 *  DHT key      = first 20 bytes of HMAC-SHA256(locator root, label)          e.g. label "webrtc-offer#0"
 *  seal root    = PBKDF2-HMAC-SHA256(secret, per-session salt, 600 000 iterations, 256 bits)
 *  offer key    = HMAC-SHA256(seal root, "offer")     AES-256-GCM key for the offer
 *  answer key   = HMAC-SHA256(seal root, "answer")    AES-256-GCM key for the answer
 * </pre>
 *
 * The locator must be computable by both sides from the secret alone, so its salt is fixed; it is slow
 * to compute so that guessing a weak secret from the DHT key costs 600 000 hashes per guess. The seal
 * root uses a fresh random salt for every offer, so nothing computed for one exchange helps with another.
 * The iteration count is OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
 */
public final class SharedSecret {
    static final int PBKDF2_ITERATIONS = 600_000;
    private static final byte[] LOCATOR_SALT = "webrtc-dht-signaling/v1/locator".getBytes(StandardCharsets.UTF_8);

    private final char[] secret;
    private volatile byte[] locatorRoot;
    /**
     * Keys of recent exchanges by salt. Bounded: every forged offer may name a new salt, and memory must
     * not grow with forgeries.
     */
    private final Map<String, SealKeys> sealKeysBySalt = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, SealKeys> eldest) {
                    return size() > SEAL_KEYS_KEPT;
                }
            });
    private static final int SEAL_KEYS_KEPT = 64;

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

    /** The 20-byte DHT key for {@code label}; the label and the secret never appear on the wire. */
    public NodeId dhtKey(String label) {
        byte[] mac = hmac(locatorRoot(), label);
        return NodeId.of(Arrays.copyOf(mac, NodeId.LENGTH));
    }

    /**
     * 32 bytes derived from the secret for {@code label} (HMAC-SHA256 of the locator root), for keys that
     * both sides must compute alone: e.g. the Ed25519 seed and the salt of a Mainline DHT item.
     */
    public byte[] derive(String label) {
        return hmac(locatorRoot(), label);
    }

    /** Derives the locator root now (it is slow), so it is ready by the time keys are needed. */
    public SharedSecret prepare() {
        locatorRoot();
        return this;
    }

    private byte[] locatorRoot() {
        byte[] root = locatorRoot;
        if (root == null) {
            synchronized (this) {
                if (locatorRoot == null) {
                    locatorRoot = pbkdf2(LOCATOR_SALT);
                }
                root = locatorRoot;
            }
        }
        return root;
    }

    /** The keys for an exchange with this salt (derived once per salt, then cached). */
    public SealKeys sealKeys(byte[] salt) {
        String hex = java.util.HexFormat.of().formatHex(salt);
        SealKeys known = sealKeysBySalt.get(hex);
        if (known != null) {
            return known;
        }
        // Derived outside the map's lock: PBKDF2 takes a while and other salts should not wait for it.
        byte[] root = pbkdf2(salt);
        SealKeys keys = new SealKeys(salt, new SecretKeySpec(hmac(root, "offer"), "AES"),
                new SecretKeySpec(hmac(root, "answer"), "AES"));
        sealKeysBySalt.put(hex, keys);
        return keys;
    }

    private byte[] pbkdf2(byte[] salt) {
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
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "SharedSecret[hidden]";
    }
}
