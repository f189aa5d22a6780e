package dev.dhtsignal.dht.mainline;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Write tokens (BEP 5, BEP 44): a node hands a token to whoever asks with {@code get} or {@code get_peers}
 * and accepts a {@code put} or {@code announce_peer} only with a token it gave to that IP address recently.
 * This proves the writer can receive at the address it claims, so nobody can store items from spoofed
 * addresses. A token is the first 8 bytes of SHA-1(secret + IP); the secret changes every five minutes and
 * the previous one is still accepted, so a token lives five to ten minutes. Thread-safe.
 */
public final class WriteTokens {
    public static final Duration ROTATION = Duration.ofMinutes(5);
    private static final int LENGTH = 8;

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private byte[] current = new byte[20];
    private byte[] previous = new byte[20];
    private Instant rotatedAt;

    public WriteTokens(Clock clock) {
        this.clock = clock;
        random.nextBytes(current);
        random.nextBytes(previous);
        rotatedAt = clock.instant();
    }

    public synchronized byte[] issue(InetAddress requester) {
        rotateIfDue();
        return tokenFor(current, requester);
    }

    public synchronized boolean isValid(byte[] token, InetAddress writer) {
        rotateIfDue();
        return MessageDigest.isEqual(token, tokenFor(current, writer)) || MessageDigest.isEqual(token, tokenFor(previous, writer));
    }

    private void rotateIfDue() {
        Instant now = clock.instant();
        if (!now.isBefore(rotatedAt.plus(ROTATION))) {
            // After a long silence both secrets are stale: then no old token may pass.
            previous = now.isBefore(rotatedAt.plus(ROTATION.multipliedBy(2))) ? current : fresh();
            current = fresh();
            rotatedAt = now;
        }
    }

    private byte[] fresh() {
        byte[] b = new byte[20];
        random.nextBytes(b);
        return b;
    }

    private static byte[] tokenFor(byte[] secret, InetAddress address) {
        return Arrays.copyOf(MutableItem.sha1(Bencoding.concat(secret, address.getAddress())), LENGTH);
    }
}
