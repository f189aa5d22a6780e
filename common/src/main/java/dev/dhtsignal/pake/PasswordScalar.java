package dev.dhtsignal.pake;

import dev.dhtsignal.signal.Hkdf;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The SPAKE2 password scalar w from the text of a short code (RFC 9382, section 3.2: w is the output of a
 * password hash, reduced modulo the group order):
 *
 * <pre>
 *  w = int(HKDF-SHA256(salt "webrtc-dht-signaling/pake/v1/password", password, info "P-256 w", 48 bytes)) mod n
 * </pre>
 *
 * 48 bytes are 128 bits more than the order's 256, so reducing them leaves no bias worth the name.
 *
 * <p>Why HKDF and not a slow, memory-hard function as the RFC suggests: a slow hash makes each guess of an
 * <em>offline</em> attack cost more, which matters when a verifier derived from the password is stored or
 * when the protocol lets an eavesdropper test guesses. Neither happens here: nothing derived from w is
 * stored, and SPAKE2 lets only an active participant test one guess per run, checked against the other side
 * (which then gives up the code). The bound is one guess per attempt however fast w is computed, so a
 * slow hash would only slow down honest peers. It would cost hundreds of milliseconds of CPU at start-up for nothing.
 *
 * <p>This class does not touch the curve classes: computing w loads no BouncyCastle code.
 */
public final class PasswordScalar {
    /** The order n of P-256's group (SEC 2); {@code Spake2Test} checks it against the curve's. */
    static final BigInteger ORDER = new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);
    private static final byte[] SALT = "webrtc-dht-signaling/pake/v1/password".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INFO = "P-256 w".getBytes(StandardCharsets.UTF_8);
    private static final int OUTPUT_BYTES = 48;

    private PasswordScalar() {
    }

    /** w for a password (the canonical text of a short code, see {@link ShortCode#password}). */
    public static BigInteger of(byte[] password) {
        BigInteger w = new BigInteger(1, Hkdf.derive(SALT, password, INFO, OUTPUT_BYTES)).mod(ORDER);
        return w.signum() == 0 ? BigInteger.ONE : w;  // 0 is all but impossible; SPAKE2 needs w in [1, n)
    }
}
