package dev.dhtsignal.dht.mainline;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One KRPC message (BEP 5): a query, a response or an error, each with the transaction id that pairs a
 * response with its query. Plain data: the codec reads and writes these, the node decides what they mean.
 */
public sealed interface KrpcMessage {
    byte[] transactionId();

    /**
     * @param method    {@code ping}, {@code find_node}, {@code get_peers}, {@code announce_peer}, {@code get}, {@code put}, ...
     * @param arguments the {@code a} dictionary; always holds the sender's {@code id}
     * @param readOnly  BEP 43 {@code ro=1}: the sender answers no queries, so it must not become a contact
     */
    record Query(byte[] transactionId, String method, Dict arguments, boolean readOnly) implements KrpcMessage {
    }

    /**
     * @param values          the {@code r} dictionary; always holds the responder's {@code id}
     * @param yourAddress     BEP 42 {@code ip}: the address the responder saw our query come from
     */
    record Response(byte[] transactionId, Dict values, Optional<InetSocketAddress> yourAddress) implements KrpcMessage {
    }

    /** The codes of BEP 5 and BEP 44. */
    record Error(byte[] transactionId, long code, String message) implements KrpcMessage {
        public static final long GENERIC = 201;
        public static final long SERVER = 202;
        public static final long PROTOCOL = 203;
        public static final long METHOD_UNKNOWN = 204;
        public static final long VALUE_TOO_BIG = 205;
        public static final long SIGNATURE_INVALID = 206;
        public static final long SALT_TOO_BIG = 207;
        public static final long CAS_MISMATCH = 301;
        public static final long SEQ_TOO_LOW = 302;
    }
}
