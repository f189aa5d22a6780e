package dev.dhtsignal.dht.stun;

/** Why a STUN datagram got no answer. Every one is counted under one of these. */
public enum StunDrop {
    /** Not a well-formed STUN message, or a FINGERPRINT that does not match. */
    MALFORMED("malformed"),
    /**
     * An indication (a client's keep-alive, answered by nobody), a response (nobody here asked), or a
     * request for another method than Binding (this node is no TURN server; an error response would cost
     * bytes and tell the client nothing it will not learn from the missing answer).
     */
    NOT_BINDING_REQUEST("not a binding request"),
    /** A request from a source (or prefix, or everyone together) over the node's rate limits. */
    RATE_LIMITED("rate limited"),
    /** A reply to a source not verified yet, over the budget that keeps replies within what such sources send. */
    UNVERIFIED_BUDGET("unverified budget");

    private final String label;

    StunDrop(String label) {
        this.label = label;
    }

    /** Short words for stats lines. */
    public String label() {
        return label;
    }
}
