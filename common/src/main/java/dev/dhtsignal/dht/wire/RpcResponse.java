package dev.dhtsignal.dht.wire;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * A response body. The wire does not say which RPC a response answers; the caller knows from the message
 * id, so responses are decoded for the RPC that was asked (see {@link WireCodec#decodeResponse}).
 */
public sealed interface RpcResponse {

    /** Reply to ping: the callee's id, a msgpack bin of 20 bytes. */
    record PingReply(NodeId nodeId) implements RpcResponse {
        public PingReply {
            Objects.requireNonNull(nodeId, "nodeId");
        }
    }

    /** Reply to store: {@code true} when stored. Our nodes answer {@code false} for a refused value. */
    record StoreReply(boolean stored) implements RpcResponse {
    }

    /** Reply to find_node, and to find_value when the callee lacks the value: the callee's closest contacts. */
    record Nodes(List<WireContact> contacts) implements RpcResponse {
        public Nodes {
            contacts = List.copyOf(contacts);
        }
    }

    /** Reply to find_value when the callee stores the key: {@code {"value": v}}. */
    record Value(DhtValue value) implements RpcResponse {
        public Value {
            Objects.requireNonNull(value, "value");
        }
    }

    /** Reply to stun: the caller's address as the callee sees it, {@code [ip, port]}. */
    record StunReply(String host, long port) implements RpcResponse {
        public StunReply {
            Objects.requireNonNull(host, "host");
        }
    }
}
