package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.util.Objects;

/**
 * A request as it travels: one of the five RPCs with its arguments. Plain data; the codec turns it into
 * bytes and back, and knows nothing of what a node does with it.
 */
public sealed interface RpcRequest {
    RpcKind kind();

    /** {@code ping [nodeid]}: answered with the callee's id. */
    record Ping(NodeId sender) implements RpcRequest {
        public Ping {
            Objects.requireNonNull(sender, "sender");
        }

        @Override
        public RpcKind kind() {
            return RpcKind.PING;
        }
    }

    /** {@code store [nodeid, key, value]}: answered with {@code true}. */
    record Store(NodeId sender, NodeId key, DhtValue value) implements RpcRequest {
        public Store {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RpcKind kind() {
            return RpcKind.STORE;
        }
    }

    /**
     * A {@code store} whose value this network does not keep (a type other than str, bin, int, float or
     * bool, or a str that is not UTF-8): answered with {@code false}, never stored. Only ever decoded.
     */
    record RefusedStore(NodeId sender, NodeId key, String reason) implements RpcRequest {
        public RefusedStore {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public RpcKind kind() {
            return RpcKind.STORE;
        }
    }

    /** {@code find_node [nodeid, key]}: answered with the callee's closest contacts to the key. */
    record FindNode(NodeId sender, NodeId target) implements RpcRequest {
        public FindNode {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(target, "target");
        }

        @Override
        public RpcKind kind() {
            return RpcKind.FIND_NODE;
        }
    }

    /** {@code find_value [nodeid, key]}: answered with {@code {"value": v}} or, lacking it, as find_node. */
    record FindValue(NodeId sender, NodeId key) implements RpcRequest {
        public FindValue {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public RpcKind kind() {
            return RpcKind.FIND_VALUE;
        }
    }

    /** {@code stun []}: answered with the caller's address as the callee sees it. */
    record Stun() implements RpcRequest {
        @Override
        public RpcKind kind() {
            return RpcKind.STUN;
        }
    }

    /**
     * {@code ice_servers [padding]}: which STUN and TURN servers the callee offers (ours only). The padding,
     * a bin of zeros, makes the request at least as large as the reply, which the callee never exceeds:
     * a spoofed request then gets its victim no more bytes than the attacker sent.
     *
     * @param paddingBytes length of the padding bin
     */
    record IceServers(int paddingBytes) implements RpcRequest {
        public IceServers {
            if (paddingBytes < 0 || paddingBytes > WireCodec.MAX_REQUEST_BODY) {
                throw new IllegalArgumentException("padding of " + paddingBytes + " bytes");
            }
        }

        /** The request padded so that its whole datagram is {@code datagramBytes} long. */
        public static IceServers paddedTo(int datagramBytes) {
            int probe = 300;  // any padding of 256..65535 bytes has the same 3-byte bin header
            int overhead = WireCodec.encodeRequest(MessageId.of(new byte[MessageId.LENGTH]), new IceServers(probe)).length - probe;
            return new IceServers(datagramBytes - overhead);
        }

        @Override
        public RpcKind kind() {
            return RpcKind.ICE_SERVERS;
        }
    }

    /** The caller's node id, or null for {@code stun} and {@code ice_servers}, which carry none. */
    default NodeId senderOrNull() {
        if (this instanceof Ping p) {
            return p.sender();
        } else if (this instanceof Store s) {
            return s.sender();
        } else if (this instanceof RefusedStore s) {
            return s.sender();
        } else if (this instanceof FindNode f) {
            return f.sender();
        } else if (this instanceof FindValue f) {
            return f.sender();
        }
        return null;
    }
}
