package dev.dhtsignal.dht.kademlia.wire;

/** Why a node dropped a datagram, or a part of one it could not use. Every drop is counted under one of these. */
public enum DropReason {
    /** Shorter than the 22 bytes of header plus the smallest body. */
    TOO_SHORT("too short"),
    /** First byte neither 0x00 (request) nor 0x01 (response). */
    UNKNOWN_KIND("unknown kind byte"),
    /** The body is not well-formed MessagePack, is cut off, or has bytes after the message. */
    MALFORMED_MSGPACK("malformed msgpack"),
    /** A field has the wrong MessagePack type (e.g. a str where a bin belongs). */
    WRONG_TYPE("wrong type"),
    /** An array has the wrong number of elements. */
    WRONG_ARITY("wrong arity"),
    /** A node id or key that is not exactly 20 bytes. */
    BAD_ID_LENGTH("id not 20 bytes"),
    /** A request body over 8192 bytes, or a value over this node's size limit. */
    OVERSIZED("oversized"),
    /** A request naming an RPC this network does not have. */
    UNKNOWN_RPC("unknown rpc"),
    /** A response whose message id matches no request we have in flight (or recently timed out). */
    UNEXPECTED_RESPONSE("unexpected response"),
    /** A response whose body does not fit the RPC it answers. */
    BAD_RESPONSE("bad response"),
    /**
     * One entry of a contact list that cannot be used (an id not 20 bytes, a host that is not an IP
     * literal, a port out of range, an address no peer can have); the rest of the list is used.
     */
    UNUSABLE_CONTACT("unusable contact"),
    /**
     * A value of a type this network does not keep, or a str that is not UTF-8: a store of it is answered
     * {@code false}, a find_value reply with it is not used.
     */
    REFUSED_VALUE("value refused"),
    /**
     * A reply (or a verification ping) to a source not verified yet, over the budget that keeps this
     * node from sending unverified sources more than they send it: not sent.
     */
    UNVERIFIED_BUDGET("unverified budget"),
    /**
     * A request from a source (or in total) over the configured rate; for {@code ice_servers}, also over
     * the few a minute one address may ask.
     */
    RATE_LIMITED("rate limited"),
    /** A store this node refused because its storage is at its entry or byte limit. */
    STORAGE_FULL("storage full"),
    /** A store refused because the sender's network (IPv4 /24, IPv6 /64) holds its share of storage. */
    OVER_QUOTA("over source quota"),
    /** A store of a value that expired on this node lately: its life is not restarted. */
    EXPIRED_VALUE("expired value"),
    /**
     * An {@code ice_servers} request smaller than its reply would be (it must be padded): answering it would
     * send more bytes than came in.
     */
    REPLY_TOO_LARGE("reply larger than request"),
    /** A request to a node in client mode, which serves no one. */
    CLIENT_MODE("client mode");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** Short words for stats lines. */
    public String label() {
        return label;
    }
}
