package dev.dhtsignal.dht.kademlia.wire;

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

    /**
     * Reply to find_node, and to find_value when the callee lacks the value: the callee's closest
     * contacts. Entries that could not be read (an id not 20 bytes, a host that is not a str, ...) are
     * left out and counted in {@code skipped}: one odd entry must not cost the sender's good ones.
     */
    record Nodes(List<WireContact> contacts, int skipped) implements RpcResponse {
        public Nodes {
            contacts = List.copyOf(contacts);
            if (skipped < 0) {
                throw new IllegalArgumentException("skipped must not be negative");
            }
        }

        public Nodes(List<WireContact> contacts) {
            this(contacts, 0);
        }
    }

    /** Reply to find_value when the callee stores the key: {@code {"value": v}}. */
    record Value(DhtValue value) implements RpcResponse {
        public Value {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Reply to find_value holding a value this network does not keep (another type, or a str that is not
     * UTF-8). The callee did answer: it is not to blame, but its value is not used.
     */
    record UnusableValue(String reason) implements RpcResponse {
        public UnusableValue {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Reply to stun: the caller's address as the callee sees it, {@code [ip, port]}; a Python node on
     * IPv6 sends its socket's 4-tuple {@code [ip, port, flowinfo, scopeid]}, of which the first two count.
     */
    record StunReply(String host, long port) implements RpcResponse {
        public StunReply {
            Objects.requireNonNull(host, "host");
        }
    }

    /**
     * Reply to ice_servers: {@code {"stun": bool, "turn": [{"urls": [str], "username": str, "credential": str,
     * "expires": int}]}}, expires in Unix seconds. Never larger than the request it answers.
     */
    record IceServers(dev.dhtsignal.dht.ice.IceServerOffer offer) implements RpcResponse {
        public IceServers {
            Objects.requireNonNull(offer, "offer");
        }
    }
}
