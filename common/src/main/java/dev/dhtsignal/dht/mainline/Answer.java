package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The answer to one query before it is encoded, in parts that can be left out so that it fits a byte
 * budget ({@link #encodeWithin}): a reply to a sender nobody has verified must not be larger than what
 * that sender paid for (see {@link QueryServer}).
 *
 * <p>Parts, from the one dropped first: the contacts ({@code nodes}, farthest first), the peers of a
 * torrent ({@code values}, oldest first), then the item of a {@code get} ({@code v}, {@code k},
 * {@code sig}, {@code seq}: all or nothing, which answers as a miss). The id and the write token always
 * stay: without them the reply is no reply.
 */
final class Answer {
    private final byte[] transactionId;
    private final KrpcMessage.Error error;
    private final Map<String, Object> always;
    private final List<Contact> nodes;
    private final boolean hasNodes;
    /** Which node lists the querier gets (BEP 32): {@code nodes}, {@code nodes6}, or both. */
    private final NodeFamilies.Want want;
    private final List<byte[]> peers;
    private final Map<String, Object> item;
    private final Optional<InetSocketAddress> yourAddress;
    /** The whole answer, encoded once. */
    private byte[] whole;

    private Answer(byte[] transactionId, KrpcMessage.Error error, Map<String, Object> always, List<Contact> nodes,
                   boolean hasNodes, NodeFamilies.Want want, List<byte[]> peers, Map<String, Object> item,
                   Optional<InetSocketAddress> yourAddress) {
        this.want = want;
        this.transactionId = transactionId;
        this.error = error;
        this.always = always;
        this.nodes = nodes;
        this.hasNodes = hasNodes;
        this.peers = peers;
        this.item = item;
        this.yourAddress = yourAddress;
    }

    static Answer error(KrpcMessage.Error error) {
        return new Answer(error.transactionId(), error, Map.of(), List.of(), false, new NodeFamilies.Want(true, false),
                List.of(), Map.of(), Optional.empty());
    }

    /**
     * A response.
     *
     * @param always   the parts always sent (id, token)
     * @param nodes    contacts for {@code nodes}, closest first; null when the reply has no {@code nodes}
     * @param peers    compact peer addresses for {@code values}, in the order to keep them
     * @param item     the parts of a found item, sent whole or not at all
     * @param querier  where the query came from (BEP 42 {@code ip}); its family says which node list it gets
     */
    static Answer response(byte[] transactionId, Map<String, Object> always, List<Contact> nodes, List<byte[]> peers,
                           Map<String, Object> item, InetSocketAddress querier) {
        boolean v6 = querier.getAddress() instanceof java.net.Inet6Address;
        return response(transactionId, always, nodes, new NodeFamilies.Want(!v6, v6), peers, item, querier);
    }

    /** A response whose contacts go in the node lists {@code want} names (BEP 32). */
    static Answer response(byte[] transactionId, Map<String, Object> always, List<Contact> nodes, NodeFamilies.Want want,
                           List<byte[]> peers, Map<String, Object> item, InetSocketAddress querier) {
        return new Answer(transactionId, null, always, nodes == null ? List.of() : nodes, nodes != null, want, peers, item,
                Optional.of(querier));
    }

    boolean isError() {
        return error != null;
    }

    /** The whole answer. */
    byte[] encode() {
        if (whole == null) {
            whole = encode(nodes.size(), peers.size(), true);
        }
        return whole;
    }

    /**
     * The answer cut down to at most {@code maxBytes}: first fewer contacts, then fewer peers, then the
     * item left out (with as many contacts as then fit); null when not even the id and token fit.
     */
    byte[] encodeWithin(int maxBytes) {
        byte[] whole = encode();
        if (whole.length <= maxBytes || error != null) {
            return whole.length <= maxBytes ? whole : null;
        }
        for (int n = nodes.size() - 1; n >= 0; n--) {
            byte[] b = encode(n, peers.size(), true);
            if (b.length <= maxBytes) {
                return b;
            }
        }
        if (!peers.isEmpty()) {
            // Each peer costs 8 bytes ("6:" and 6 bytes; 21 for IPv6): start from the count that may fit.
            int excess = encode(0, peers.size(), true).length - maxBytes;
            for (int p = Math.max(0, peers.size() - (excess + 7) / 8); p >= 0; p--) {
                byte[] b = encode(0, p, true);
                if (b.length <= maxBytes) {
                    return b;
                }
            }
        }
        if (!item.isEmpty()) {
            for (int n = nodes.size(); n >= 0; n--) {
                byte[] b = encode(n, 0, false);
                if (b.length <= maxBytes) {
                    return b;
                }
            }
        }
        return null;
    }

    private byte[] encode(int nodeCount, int peerCount, boolean withItem) {
        if (error != null) {
            return KrpcCodec.encode(error);
        }
        Map<String, Object> r = new HashMap<>(always);
        if (hasNodes && want.v4()) {
            r.put("nodes", CompactAddress.encodeNodes(nodes.subList(0, nodeCount)));
        }
        if (hasNodes && want.v6()) {
            r.put("nodes6", CompactAddress.encodeNodes6(nodes.subList(0, nodeCount)));
        }
        if (peerCount > 0) {
            r.put("values", peers.subList(0, peerCount));
        }
        if (withItem) {
            r.putAll(item);
        }
        return KrpcCodec.encode(new KrpcMessage.Response(transactionId, new Dict(r), yourAddress));
    }
}
