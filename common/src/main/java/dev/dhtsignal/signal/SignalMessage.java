package dev.dhtsignal.signal;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.dhtsignal.rtc.SessionDescription;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A session description as one peer publishes it for the other: the JSON object the original peers
 * exchange, {@code {"sdp": "...", "type": "offer"}}, plus fields they ignore and we use to tell a live
 * exchange from a stale one.
 *
 * <pre>
 * {"sdp": "v=0...", "type": "offer" | "answer",
 *  "offer_id": "32 hex digits",      the offer's random id; an answer repeats the id of the offer it answers
 *  "created_ms": 1732430000123,      when it was published (Unix milliseconds)
 *  "expires_ms": 1732430060123}      offers only: when the offerer stops waiting for an answer
 * </pre>
 *
 * Values from the original peers carry only {@code sdp} and {@code type}; the other fields are then empty.
 *
 * <p>The JSON goes through jackson-jr (plain maps over jackson-core's streaming parser and generator): it
 * loads about a tenth of the classes of Jackson's databind, whose first use cost a peer's start-up several
 * hundred milliseconds of CPU.
 */
public record SignalMessage(SessionDescription description, String offerId, Instant created, Instant expires) {
    /**
     * How far apart two peers' clocks may be. A message created further than this in our future is
     * refused: its sender's clock is wrong (then its expiry means nothing to us) or it is forged.
     */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    /**
     * The longest an offerer waits for its answer (its {@code --timeout} at most), so the longest an offer,
     * or a short code's claim, lives.
     */
    public static final Duration LONGEST_WAIT = Duration.ofMinutes(10);
    /**
     * The longest lifetime a reader believes: {@link #LONGEST_WAIT} and the skew allowance. An offer that
     * says it lives longer (expires in the year 3000, say) was not written by an offerer of ours that is
     * waiting: it is forged, or left there to hold a slot, and is not live whatever its expiry says.
     */
    public static final Duration LONGEST_LIFETIME = LONGEST_WAIT.plus(CLOCK_SKEW);

    public SignalMessage {
        Objects.requireNonNull(description, "description");
    }

    /**
     * Loads and initialises the JSON machinery now. Its first use costs some tens of milliseconds of class
     * loading; programs call this while WebRTC loads so that the signaling round does not pay for it.
     */
    public static void warmUp() {
        fromJson(new SignalMessage(SessionDescription.offer("v=0"), "00", Instant.EPOCH, Instant.EPOCH).toJson());
    }

    public boolean isOffer() {
        return description.isOffer();
    }

    /**
     * Why this message cannot be live at {@code now}, or null when nothing says so: it claims to be created
     * more than {@link #CLOCK_SKEW} ahead of our clock, it claims to live longer than {@link #LONGEST_LIFETIME},
     * or it expired. Messages of the original peers carry no times, so nothing is ever said against them.
     */
    public String notLiveBecause(Instant now) {
        return notLiveBecause(created, expires, now);
    }

    /** {@link #notLiveBecause(Instant)} for any message's times; {@code expires} is null for messages without one. */
    static String notLiveBecause(Instant created, Instant expires, Instant now) {
        if (created != null && created.isAfter(now.plus(CLOCK_SKEW))) {
            return "it claims to be created " + Duration.between(now, created).toSeconds()
                    + " s from now (the peers' clocks differ by more than " + CLOCK_SKEW.toMinutes() + " min, or it is forged)";
        }
        if (expires != null) {
            // Only the lifetime the sender gave counts, both ends on its own clock: an expiry far ahead would
            // otherwise hold a slot for as long as the DHT keeps the value (a week on the original network).
            if (created == null) {
                return "it has an expiry but no creation time (our offerers write both: forged)";
            }
            Duration lifetime = Duration.between(created, expires);
            if (lifetime.compareTo(LONGEST_LIFETIME) > 0) {
                return "it claims to live " + inWords(lifetime) + ", longer than any offerer waits ("
                        + LONGEST_WAIT.toMinutes() + " min): forged, or left to hold the slot";
            }
        }
        if (expires != null && !now.isBefore(expires)) {
            return "it expired " + Duration.between(expires, now).toSeconds() + " s ago";
        }
        return null;
    }

    private static String inWords(Duration d) {
        return d.toDays() >= 2 ? d.toDays() + " days" : d.toMinutes() + " min";
    }

    public String toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("sdp", description.sdp());
        o.put("type", description.type());
        if (offerId != null) {
            o.put("offer_id", offerId);
        }
        if (created != null) {
            o.put("created_ms", created.toEpochMilli());
        }
        if (expires != null) {
            o.put("expires_ms", expires.toEpochMilli());
        }
        try {
            return JSON.std.asString(o);
        } catch (IOException e) {
            throw new IllegalStateException("a map of strings and numbers always serializes", e);
        }
    }

    /**
     * Reads the JSON a peer published.
     *
     * @throws IllegalArgumentException saying what is wrong (not JSON, no sdp, unknown type...)
     */
    public static SignalMessage fromJson(String json) {
        Object root;
        try {
            root = JSON.std.anyFrom(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (!(root instanceof Map<?, ?> node)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!(node.get("sdp") instanceof String sdp) || sdp.isEmpty()) {
            throw new IllegalArgumentException("no \"sdp\" text");
        }
        if (!(node.get("type") instanceof String type)) {
            throw new IllegalArgumentException("no \"type\" text");
        }
        SessionDescription description = new SessionDescription(type, sdp);
        return new SignalMessage(description,
                node.get("offer_id") instanceof String offerId ? offerId : null,
                instant(node.get("created_ms")), instant(node.get("expires_ms")));
    }

    /** A JSON number that fits a long (a fraction is cut off) as epoch milliseconds; anything else is absent. */
    private static Instant instant(Object n) {
        if (n instanceof Integer || n instanceof Long) {
            return Instant.ofEpochMilli(((Number) n).longValue());
        }
        if (n instanceof BigInteger big) {
            return big.bitLength() < Long.SIZE ? Instant.ofEpochMilli(big.longValue()) : null;
        }
        if (n instanceof Double d && !Double.isFinite(d)) {
            return null;
        }
        if (n instanceof Double || n instanceof BigDecimal) {
            BigDecimal d = new BigDecimal(n.toString());
            boolean fits = d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                    && d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
            return fits ? Instant.ofEpochMilli(d.longValue()) : null;
        }
        return null;
    }

    @Override
    public String toString() {
        return description.type() + (offerId == null ? "" : " " + offerId.substring(0, Math.min(8, offerId.length())));
    }
}
