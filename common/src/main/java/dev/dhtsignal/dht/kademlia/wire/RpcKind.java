package dev.dhtsignal.dht.kademlia.wire;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The RPCs of the network, with their names on the wire and the number of arguments each takes: the
 * original's five, and {@code ice_servers}, which only our nodes answer (the Python nodes log and ignore a
 * request for an RPC they lack, so a peer asks it beside its join and never waits on it alone).
 */
public enum RpcKind {
    PING("ping", 1),
    STORE("store", 3),
    FIND_NODE("find_node", 2),
    FIND_VALUE("find_value", 2),
    STUN("stun", 0),
    ICE_SERVERS("ice_servers", 1);

    private static final Map<String, RpcKind> BY_WIRE_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(RpcKind::wireName, Function.identity()));

    private final String wireName;
    private final int arity;

    RpcKind(String wireName, int arity) {
        this.wireName = wireName;
        this.arity = arity;
    }

    public String wireName() {
        return wireName;
    }

    public int arity() {
        return arity;
    }

    /** The RPC with this wire name, or null. */
    public static RpcKind byWireName(String name) {
        return BY_WIRE_NAME.get(name);
    }
}
