package dev.dhtsignal.dht.kademlia.wire;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnServer;
import java.io.IOException;
import java.time.Instant;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.value.ValueType;

/**
 * The datagram format of the original network (Python rpcudp), byte for byte:
 *
 * <pre>
 *  byte 0      0x00 request | 0x01 response
 *  bytes 1-20  message id (20 random bytes; a response echoes its request's)
 *  bytes 21-   MessagePack body
 *                request:  [name (str), args (array)]
 *                response: the RPC's return value
 * </pre>
 *
 * Forms written match u-msgpack's: ids and keys as bin, names and hosts as str, tuples as arrays, the
 * smallest integer form. Decoding accepts every MessagePack form but checks each field's type.
 */
public final class WireCodec {
    public static final byte REQUEST = 0x00;
    public static final byte RESPONSE = 0x01;
    public static final int HEADER_LENGTH = 1 + MessageId.LENGTH;
    /** Header plus the smallest body. */
    public static final int MIN_DATAGRAM_LENGTH = HEADER_LENGTH + 1;
    /** The original refuses to send a request body larger than this; so do we, both ways. */
    public static final int MAX_REQUEST_BODY = 8192;
    /** The longest host text we accept in a contact (an IPv6 literal with zone is well under this). */
    static final int MAX_HOST_BYTES = 64;
    /** The longest RPC name we read; real ones are at most 11 bytes. */
    static final int MAX_NAME_BYTES = 32;
    /**
     * How long a client makes its {@code ice_servers} request: room for a reply with several TURN URLs, and
     * under the 1232 bytes of UDP payload that any IPv6 path carries unfragmented.
     */
    public static final int ICE_SERVERS_REQUEST_BYTES = 1200;
    /** Limits on an ice_servers reply's parts: far above real ones, so that a liar cannot make us hold much. */
    static final int MAX_ICE_ENTRIES = 8;
    static final int MAX_ICE_TEXT_BYTES = 512;

    private WireCodec() {
    }

    /**
     * Decodes a datagram. Responses are returned with their raw body, to be read by
     * {@link #decodeResponse} once the caller knows which RPC they answer.
     */
    public static Datagram decode(byte[] data, int offset, int length) throws MalformedDatagramException {
        if (length < MIN_DATAGRAM_LENGTH) {
            throw new MalformedDatagramException(DropReason.TOO_SHORT, length + " bytes");
        }
        byte kind = data[offset];
        if (kind != REQUEST && kind != RESPONSE) {
            throw new MalformedDatagramException(DropReason.UNKNOWN_KIND, String.format("0x%02x", kind));
        }
        byte[] id = new byte[MessageId.LENGTH];
        System.arraycopy(data, offset + 1, id, 0, MessageId.LENGTH);
        MessageId messageId = MessageId.wrap(id);
        int bodyOffset = offset + HEADER_LENGTH;
        int bodyLength = length - HEADER_LENGTH;
        if (kind == RESPONSE) {
            byte[] body = new byte[bodyLength];
            System.arraycopy(data, bodyOffset, body, 0, bodyLength);
            return new Datagram.Response(messageId, body);
        }
        if (bodyLength > MAX_REQUEST_BODY) {
            throw new MalformedDatagramException(DropReason.OVERSIZED, "request body of " + bodyLength + " bytes");
        }
        try (BodyReader r = new BodyReader(data, bodyOffset, bodyLength)) {
            RpcRequest request = readRequest(r);
            r.expectEnd();
            return new Datagram.Request(messageId, request);
        }
    }

    public static Datagram decode(byte[] datagram) throws MalformedDatagramException {
        return decode(datagram, 0, datagram.length);
    }

    private static RpcRequest readRequest(BodyReader r) throws MalformedDatagramException {
        r.arrayOf(2, "request");
        String name = r.string(MAX_NAME_BYTES, DropReason.UNKNOWN_RPC, "rpc name");
        RpcKind kind = RpcKind.byWireName(name);
        if (kind == null) {
            throw new MalformedDatagramException(DropReason.UNKNOWN_RPC, printable(name));
        }
        int argc = r.arrayHeader(name + " arguments");
        if (argc != kind.arity()) {
            throw new MalformedDatagramException(DropReason.WRONG_ARITY,
                    name + " takes " + kind.arity() + " arguments, got " + argc);
        }
        return switch (kind) {
            case PING -> new RpcRequest.Ping(r.id("ping nodeid"));
            case STORE -> store(r.id("store nodeid"), r.id("store key"), r.value("store value"));
            case FIND_NODE -> new RpcRequest.FindNode(r.id("find_node nodeid"), r.id("find_node key"));
            case FIND_VALUE -> new RpcRequest.FindValue(r.id("find_value nodeid"), r.id("find_value key"));
            case STUN -> new RpcRequest.Stun();
            case ICE_SERVERS -> new RpcRequest.IceServers(r.skippedBinary("ice_servers padding"));
        };
    }

    private static RpcRequest store(NodeId sender, NodeId key, CarriedValue value) {
        return value.value() != null
                ? new RpcRequest.Store(sender, key, value.value())
                : new RpcRequest.RefusedStore(sender, key, value.refusal());
    }

    /** Reads a response body as the reply to {@code kind}. */
    public static RpcResponse decodeResponse(RpcKind kind, byte[] body) throws MalformedDatagramException {
        try (BodyReader r = new BodyReader(body, 0, body.length)) {
            RpcResponse response = switch (kind) {
                case PING -> new RpcResponse.PingReply(r.id("ping reply"));
                case STORE -> new RpcResponse.StoreReply(r.bool("store reply"));
                case FIND_NODE -> readNodes(r);
                case FIND_VALUE -> r.peekType() == ValueType.MAP ? readValue(r) : readNodes(r);
                case STUN -> readStun(r);
                case ICE_SERVERS -> readIceServers(r);
            };
            r.expectEnd();
            return response;
        }
    }

    /**
     * A contact list, read entry by entry: an entry that is not {@code [bin 20, str, int]} is skipped and
     * counted, the others kept. Python nodes accept ids of any length and pass them on, so an honest node
     * may relay an entry we cannot use. Only a list that is not a list, or is cut off, is malformed.
     */
    private static RpcResponse.Nodes readNodes(BodyReader r) throws MalformedDatagramException {
        int n = r.arrayHeader("contact list");
        List<WireContact> contacts = new ArrayList<>(n);
        int skipped = 0;
        for (int i = 0; i < n; i++) {
            byte[] entry = r.rawValue("contact");
            try (BodyReader e = new BodyReader(entry, 0, entry.length)) {
                e.arrayOf(3, "contact");
                NodeId id = e.id("contact id");
                String host = e.string(MAX_HOST_BYTES, "contact host");
                long port = e.integer("contact port");
                e.expectEnd();
                contacts.add(new WireContact(id, host, port));
            } catch (MalformedDatagramException unusable) {
                skipped++;
            }
        }
        return new RpcResponse.Nodes(contacts, skipped);
    }

    private static RpcResponse readValue(BodyReader r) throws MalformedDatagramException {
        int n = r.mapHeader("find_value reply");
        if (n != 1) {
            throw new MalformedDatagramException(DropReason.WRONG_ARITY, "find_value reply map has " + n + " entries");
        }
        String key = r.string(MAX_NAME_BYTES, "find_value reply key");
        if (!key.equals("value")) {
            throw new MalformedDatagramException(DropReason.WRONG_TYPE, "find_value reply key is not \"value\"");
        }
        CarriedValue found = r.value("found value");
        return found.value() != null ? new RpcResponse.Value(found.value()) : new RpcResponse.UnusableValue(found.refusal());
    }

    private static RpcResponse.StunReply readStun(BodyReader r) throws MalformedDatagramException {
        int n = r.arrayHeader("stun reply");
        if (n != 2 && n != 4) {
            throw new MalformedDatagramException(DropReason.WRONG_ARITY,
                    "stun reply has " + n + " elements, expected 2 (IPv4) or 4 (IPv6)");
        }
        String host = r.string(MAX_HOST_BYTES, "stun host");
        long port = r.integer("stun port");
        if (n == 4) {
            r.integer("stun flowinfo");
            r.integer("stun scope id");
        }
        return new RpcResponse.StunReply(host, port);
    }

    /**
     * {@code {"stun": bool, "turn": [{"urls": [str], "username": str, "credential": str, "expires": int}]}};
     * keys this version does not know are skipped, so that a later one may add some.
     */
    private static RpcResponse.IceServers readIceServers(BodyReader r) throws MalformedDatagramException {
        int n = r.mapHeader("ice_servers reply");
        boolean stun = false;
        List<TurnServer> turn = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = r.string(MAX_NAME_BYTES, "ice_servers key");
            switch (key) {
                case "stun" -> stun = r.bool("ice_servers stun");
                case "turn" -> {
                    int servers = r.arrayHeader("ice_servers turn");
                    if (servers > MAX_ICE_ENTRIES) {
                        throw new MalformedDatagramException(DropReason.OVERSIZED, servers + " TURN servers");
                    }
                    for (int s = 0; s < servers; s++) {
                        turn.add(readTurnServer(r));
                    }
                }
                default -> r.rawValue("ice_servers " + printable(key));
            }
        }
        return new RpcResponse.IceServers(new IceServerOffer(stun, turn));
    }

    private static TurnServer readTurnServer(BodyReader r) throws MalformedDatagramException {
        int n = r.mapHeader("TURN server");
        List<String> urls = new ArrayList<>();
        String username = null;
        String credential = null;
        Long expires = null;
        for (int i = 0; i < n; i++) {
            String key = r.string(MAX_NAME_BYTES, "TURN server key");
            switch (key) {
                case "urls" -> {
                    int count = r.arrayHeader("TURN urls");
                    if (count > MAX_ICE_ENTRIES) {
                        throw new MalformedDatagramException(DropReason.OVERSIZED, count + " TURN URLs");
                    }
                    for (int u = 0; u < count; u++) {
                        urls.add(r.string(MAX_ICE_TEXT_BYTES, DropReason.OVERSIZED, "TURN url"));
                    }
                }
                case "username" -> username = r.string(MAX_ICE_TEXT_BYTES, DropReason.OVERSIZED, "TURN username");
                case "credential" -> credential = r.string(MAX_ICE_TEXT_BYTES, DropReason.OVERSIZED, "TURN credential");
                case "expires" -> expires = r.integer("TURN expires");
                default -> r.rawValue("TURN server " + printable(key));
            }
        }
        if (urls.isEmpty() || username == null || credential == null || expires == null) {
            throw new MalformedDatagramException(DropReason.WRONG_ARITY,
                    "a TURN server needs urls, username, credential and expires");
        }
        if (expires < 0 || expires > Instant.MAX.getEpochSecond()) {
            throw new MalformedDatagramException(DropReason.WRONG_TYPE, "TURN expires " + expires + " is not a time");
        }
        return new TurnServer(urls, username, credential, Instant.ofEpochSecond(expires));
    }

    public static byte[] encodeRequest(MessageId id, RpcRequest request) {
        return encode(REQUEST, id, p -> {
            p.packArrayHeader(2);
            p.packString(request.kind().wireName());
            p.packArrayHeader(request.kind().arity());
            if (request instanceof RpcRequest.Ping ping) {
                packId(p, ping.sender());
            } else if (request instanceof RpcRequest.Store store) {
                packId(p, store.sender());
                packId(p, store.key());
                store.value().writeTo(p);
            } else if (request instanceof RpcRequest.FindNode find) {
                packId(p, find.sender());
                packId(p, find.target());
            } else if (request instanceof RpcRequest.FindValue find) {
                packId(p, find.sender());
                packId(p, find.key());
            } else if (request instanceof RpcRequest.IceServers ice) {
                p.packBinaryHeader(ice.paddingBytes());
                p.writePayload(new byte[ice.paddingBytes()]);
            } else if (request instanceof RpcRequest.RefusedStore) {
                throw new IllegalArgumentException("a refused store is only ever decoded, never sent");
            }
            // stun has no arguments
        });
    }

    public static byte[] encodeResponse(MessageId id, RpcResponse response) {
        return encode(RESPONSE, id, p -> {
            if (response instanceof RpcResponse.PingReply ping) {
                packId(p, ping.nodeId());
            } else if (response instanceof RpcResponse.StoreReply store) {
                p.packBoolean(store.stored());
            } else if (response instanceof RpcResponse.Nodes nodes) {
                p.packArrayHeader(nodes.contacts().size());
                for (WireContact c : nodes.contacts()) {
                    p.packArrayHeader(3);
                    packId(p, c.id());
                    p.packString(c.host());
                    p.packLong(c.port());
                }
            } else if (response instanceof RpcResponse.Value value) {
                p.packMapHeader(1);
                p.packString("value");
                value.value().writeTo(p);
            } else if (response instanceof RpcResponse.UnusableValue) {
                throw new IllegalArgumentException("an unusable value is only ever decoded, never sent");
            } else if (response instanceof RpcResponse.StunReply stun) {
                p.packArrayHeader(2);
                p.packString(stun.host());
                p.packLong(stun.port());
            } else if (response instanceof RpcResponse.IceServers ice) {
                p.packMapHeader(2);
                p.packString("stun");
                p.packBoolean(ice.offer().stun());
                p.packString("turn");
                p.packArrayHeader(ice.offer().turn().size());
                for (TurnServer t : ice.offer().turn()) {
                    p.packMapHeader(4);
                    p.packString("urls");
                    p.packArrayHeader(t.urls().size());
                    for (String url : t.urls()) {
                        p.packString(url);
                    }
                    p.packString("username");
                    p.packString(t.username());
                    p.packString("credential");
                    p.packString(t.credential());
                    p.packString("expires");
                    p.packLong(t.expires().getEpochSecond());
                }
            }
        });
    }

    private interface BodyWriter {
        void write(MessagePacker packer) throws IOException;
    }

    private static byte[] encode(byte kind, MessageId id, BodyWriter body) {
        try (MessageBufferPacker p = MessagePack.DEFAULT_PACKER_CONFIG.withBufferSize(256).newBufferPacker()) {
            p.writePayload(new byte[] {kind});
            p.writePayload(id.bytesView());
            body.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("packing into memory cannot fail", e);
        }
    }

    private static void packId(MessagePacker p, NodeId id) throws IOException {
        byte[] b = id.toBytes();
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    private static String printable(String name) {
        StringBuilder sb = new StringBuilder("'");
        name.codePoints().limit(32).forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : "?"));
        return sb.append('\'').toString();
    }

    /**
     * The size of a ping datagram (header, ["ping", [id]]): what verifying a sender costs. Declared last, so
     * that everything encoding uses is initialized before it.
     */
    public static final int PING_BYTES = encodeRequest(MessageId.of(new byte[MessageId.LENGTH]),
            new RpcRequest.Ping(NodeId.of(new byte[NodeId.LENGTH]))).length;
}
