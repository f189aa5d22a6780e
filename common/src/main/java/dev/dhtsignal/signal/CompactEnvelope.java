package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.Bencoding;
import dev.dhtsignal.dht.mainline.Dict;
import dev.dhtsignal.dht.mainline.KrpcFormatException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An offer or answer in its small sealed form, for networks that store at most about 1000 bytes (BEP 44):
 * a bencoded dictionary sealed in a {@link SealedBox} bound to the key it is stored under.
 *
 * <pre>
 * {"i": 16-byte offer id (an answer repeats its offer's), "t": created (Unix ms),
 *  "x": expires (Unix ms; offers only), "d": the {@link CompactSdp} dictionary}
 * </pre>
 *
 * When the sealed value would be too large, the lowest-priority candidates are left out until it fits.
 */
public record CompactEnvelope(byte[] offerId, Instant created, Optional<Instant> expires, CompactSdp sdp) {
    public static final int OFFER_ID_LENGTH = 16;

    public String offerIdHex() {
        return HexFormat.of().formatHex(offerId);
    }

    /**
     * Why this offer or answer cannot be live at {@code now}, or null: the rules of
     * {@link SignalMessage#notLiveBecause(Instant)} (created too far ahead, a lifetime longer than any offerer
     * waits, expired).
     */
    public String notLiveBecause(Instant now) {
        return SignalMessage.notLiveBecause(created, expires.orElse(null), now);
    }

    /**
     * Seals this envelope for {@code key}.
     *
     * @throws SignalingException when even without candidates it does not fit in {@code maxBytes}
     */
    public byte[] seal(SealedBox.Kind kind, SharedSecret.SealKeys keys, NodeId key, int maxBytes) {
        for (int n = sdp.candidates().size(); n >= 0; n--) {
            byte[] box = SealedBox.seal(kind, keys, key, encode(sdp.withCandidates(n)));
            if (box.length <= maxBytes) {
                if (n < sdp.candidates().size()) {
                    org.slf4j.LoggerFactory.getLogger(CompactEnvelope.class).warn(
                            "{} of {} ICE candidates fit in the {}-byte value; the rest are left out",
                            n, sdp.candidates().size(), maxBytes);
                }
                return box;
            }
        }
        throw new SignalingException("the " + sdp.type() + " does not fit in " + maxBytes + " bytes even without candidates");
    }

    private byte[] encode(CompactSdp withCandidates) {
        Map<String, Object> d = new TreeMap<>();
        d.put("i", offerId);
        d.put("t", created.toEpochMilli());
        expires.ifPresent(x -> d.put("x", x.toEpochMilli()));
        d.put("d", withCandidates.toDictionary());
        return Bencoding.encode(d);
    }

    /**
     * Opens a sealed envelope stored under {@code key}.
     *
     * @throws SealedBox.SealException when it does not open (wrong secret, forged, moved, wrong kind)
     * @throws IllegalArgumentException when it opens but its content is malformed
     */
    public static CompactEnvelope open(byte[] box, SealedBox.Kind kind, SharedSecret.SealKeys keys, NodeId key)
            throws SealedBox.SealException {
        byte[] plain = SealedBox.open(box, kind, keys, key);
        try {
            Dict d = new Dict(Bencoding.decode(plain, plain.length));
            String type = kind == SealedBox.Kind.OFFER ? "offer" : "answer";
            Optional<Instant> expires = d.optInteger("x").map(Instant::ofEpochMilli);
            return new CompactEnvelope(d.bytes("i", OFFER_ID_LENGTH), Instant.ofEpochMilli(d.integer("t")), expires,
                    CompactSdp.fromDictionary(type, d.dict("d")));
        } catch (KrpcFormatException e) {
            throw new IllegalArgumentException("a sealed " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " with " + e.getMessage());
        }
    }
}
