package dev.dhtsignal.dht.stun;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A decoded STUN message: its type (method and class), its 96-bit transaction id, and its attributes in
 * the order they came. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are left out, as RFC 8489
 * (section 14.5) tells receivers to ignore them; FINGERPRINT, when present, was checked by the decoder.
 *
 * @param type the 14-bit message type (e.g. 0x0001 Binding request, 0x0101 Binding success response)
 * @param transactionId 12 bytes
 * @param attributes what the message carries
 * @param fingerprinted whether it carried a FINGERPRINT (and so one that matched)
 */
public record StunMessage(int type, byte[] transactionId, List<StunAttribute> attributes, boolean fingerprinted) {
    public static final int BINDING = 0x001;
    /** Class bits (C1 at 0x100, C0 at 0x010) of the four classes. */
    public static final int REQUEST = 0x000;
    public static final int INDICATION = 0x010;
    public static final int SUCCESS_RESPONSE = 0x100;
    public static final int ERROR_RESPONSE = 0x110;
    private static final int CLASS_BITS = 0x110;

    public StunMessage {
        Objects.requireNonNull(transactionId, "transactionId");
        if (transactionId.length != StunCodec.TRANSACTION_ID_BYTES) {
            throw new IllegalArgumentException("a transaction id is 12 bytes, got " + transactionId.length);
        }
        attributes = List.copyOf(attributes);
    }

    /** REQUEST, INDICATION, SUCCESS_RESPONSE or ERROR_RESPONSE. */
    public int messageClass() {
        return type & CLASS_BITS;
    }

    /** The method (BINDING for the only one a STUN server without TURN knows), class bits removed. */
    public int method() {
        return (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);
    }

    public boolean isBindingRequest() {
        return type == (BINDING | REQUEST);
    }

    public Optional<StunAttribute> attribute(int attributeType) {
        return attributes.stream().filter(a -> a.type() == attributeType).findFirst();
    }

    /** The comprehension-required attribute types that are not in {@code known}, each once, in order. */
    public List<Integer> unknownComprehensionRequired(Set<Integer> known) {
        List<Integer> unknown = new ArrayList<>();
        for (StunAttribute a : attributes) {
            if (a.comprehensionRequired() && !known.contains(a.type()) && !unknown.contains(a.type())) {
                unknown.add(a.type());
            }
        }
        return unknown;
    }
}
