package dev.dhtsignal.dht.ice;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited TURN credentials in the TURN REST API scheme (coturn's {@code use-auth-secret} with
 * {@code static-auth-secret}; what Matrix, Jitsi and Nextcloud Talk use): the username is
 * {@code EXPIRY:ID}, EXPIRY the Unix time in seconds after which the TURN server refuses it, and the
 * password is base64(HMAC-SHA1(secret, username)). The TURN server knows the secret and checks both
 * without any state: nothing has to be stored or revoked, and a credential that leaks works only until
 * it expires. The secret never leaves this node.
 */
public final class TurnRestCredentials {
    /** The longest lifetime a credential may be given: a leaked one is good for at most this long. */
    public static final Duration MAX_LIFETIME = Duration.ofHours(1);
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);
    /**
     * At most this many URLs of at most {@link #MAX_URL_LENGTH} characters: a reply with all of them (under
     * 1000 bytes) then always fits in the 1200-byte request a peer sends, and under what a peer reads.
     */
    public static final int MAX_URLS = 8;
    public static final int MAX_URL_LENGTH = 100;
    /** Random bytes of a username's ID part: it tells one peer's credentials from another's in the TURN log. */
    private static final int ID_BYTES = 6;

    private final List<String> urls;
    private final byte[] secret;
    private final Duration lifetime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param urls the TURN server's URLs, e.g. {@code turn:203.0.113.5:3478?transport=udp}
     * @param secret coturn's {@code static-auth-secret}, as its bytes
     * @param lifetime how long each credential works, at most {@link #MAX_LIFETIME}
     */
    public TurnRestCredentials(List<String> urls, byte[] secret, Duration lifetime, Clock clock) {
        this.urls = List.copyOf(urls);
        this.secret = secret.clone();
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (this.urls.isEmpty()) {
            throw new IllegalArgumentException("TURN credentials need at least one TURN URL");
        }
        if (this.urls.size() > MAX_URLS) {
            throw new IllegalArgumentException("at most " + MAX_URLS + " TURN URLs, got " + this.urls.size());
        }
        for (String url : this.urls) {
            if (url.length() > MAX_URL_LENGTH) {
                throw new IllegalArgumentException("a TURN URL is at most " + MAX_URL_LENGTH + " characters: '" + url + "'");
            }
            if (!url.matches("turns?:[^\\s,]+")) {
                throw new IllegalArgumentException("'" + url + "' is not a turn: or turns: URL");
            }
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("the TURN secret is empty");
        }
        if (lifetime.compareTo(Duration.ofSeconds(60)) < 0 || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("a TURN credential lifetime must be between 1 minute and 1 hour, got "
                    + lifetime.toSeconds() + " s");
        }
    }

    /** Fresh credentials for one peer's run, valid for the lifetime from now. */
    public TurnServer issue() {
        byte[] id = new byte[ID_BYTES];
        random.nextBytes(id);
        Instant expires = clock.instant().plus(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String username = expires.getEpochSecond() + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        return new TurnServer(urls, username, password(secret, username), expires);
    }

    /** base64(HMAC-SHA1(secret, username)): what coturn computes from its static-auth-secret. */
    public static String password(byte[] secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
        }
    }

    public List<String> urls() {
        return urls;
    }

    public Duration lifetime() {
        return lifetime;
    }
}
