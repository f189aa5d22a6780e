package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Our node among nodes that are not like it: a Python node relays contacts we cannot use and stores
 * values of any type. The good part of what they send is used, and they are not blamed for the rest.
 */
class LenientPeersTest {
    private static final Random RANDOM = new Random(8);

    private interface Body {
        void write(MessageBufferPacker p) throws IOException;
    }

    private static byte[] body(Body b) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            b.write(p);
            return p.toByteArray();
        }
    }

    private static void bin(MessageBufferPacker p, byte[] b) throws IOException {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    private static void contact(MessageBufferPacker p, byte[] id, String host, long port) throws IOException {
        p.packArrayHeader(3);
        bin(p, id);
        p.packString(host);
        p.packLong(port);
    }

    @Test
    void aReplyWithSomeUnusableContactsKeepsTheGoodOnesAndItsSenderStays() throws Exception {
        NodeId relayId = NodeId.random(RANDOM);
        try (KademliaNode honest = KademliaNode.start(KademliaConfig.builder().threadName("honest").build())) {
            InetSocketAddress h = honest.localAddress();
            // Plays a Python node that knows the honest node and three peers we cannot use.
            ScriptedPeer.Script relay = request -> switch (request.kind()) {
                case PING -> body(p -> bin(p, relayId.toBytes()));
                case FIND_NODE, FIND_VALUE -> body(p -> {
                    p.packArrayHeader(4);
                    contact(p, new byte[19], "127.0.0.1", 4000);               // Python passes any id length on
                    contact(p, honest.id().toBytes(), h.getAddress().getHostAddress(), h.getPort());
                    contact(p, NodeId.random(RANDOM).toBytes(), "node.example", 4001);
                    contact(p, NodeId.random(RANDOM).toBytes(), "127.0.0.1", 70_000);
                });
                default -> null;
            };
            try (ScriptedPeer python = new ScriptedPeer(relay);
                 KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).threadName("lenient").build())) {
                BootstrapResult joined = client.bootstrap(List.of(python.address())).get();
                assertEquals(1, joined.reached().size());
                List<NodeId> ids = client.contacts().stream().map(Contact::id).toList();
                assertTrue(ids.contains(honest.id()), "the honest node the relay named is a contact: " + ids);
                assertTrue(ids.contains(relayId), "the relay is not dropped for what it relayed: " + ids);
                assertEquals(0, client.stats().dropped(DropReason.BAD_RESPONSE));
                assertTrue(client.stats().dropped(DropReason.UNUSABLE_CONTACT) >= 3, client.stats().toString());
            }
        }
    }

    @Test
    void addressesNoPeerCanHaveAreNeitherContactedNorKept() throws Exception {
        NodeId relayId = NodeId.random(RANDOM);
        ScriptedPeer.Script relay = request -> switch (request.kind()) {
            case PING -> body(p -> bin(p, relayId.toBytes()));
            case FIND_NODE, FIND_VALUE -> body(p -> {
                String[] bogons = {"0.0.0.0", "224.0.0.1", "255.255.255.255", "10.0.0.1", "192.168.1.1", "::"};
                p.packArrayHeader(bogons.length);
                for (String host : bogons) {
                    contact(p, NodeId.random(RANDOM).toBytes(), host, 4000);
                }
            });
            default -> null;
        };
        // The client is on loopback only: private addresses are not for it, nor those no peer can have.
        try (ScriptedPeer python = new ScriptedPeer(relay);
             KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).threadName("bogons").build())) {
            client.bootstrap(List.of(python.address())).get();
            assertEquals(List.of(relayId), client.contacts().stream().map(Contact::id).toList());
            assertTrue(client.stats().dropped(DropReason.UNUSABLE_CONTACT) >= 6, client.stats().toString());
            assertEquals(0, client.stats().rpcTimeouts(), "nothing was sent to those addresses");
        }
    }

    @Test
    void aFoundValueOfATypeWeDoNotKeepIsNotUsedAndItsSenderIsNotBlamed() throws Exception {
        NodeId pythonId = NodeId.random(RANDOM);
        ScriptedPeer.Script storesAnything = request -> switch (request.kind()) {
            case PING -> body(p -> bin(p, pythonId.toBytes()));
            case FIND_NODE -> body(p -> p.packArrayHeader(0));
            case FIND_VALUE -> body(p -> {
                p.packMapHeader(1);
                p.packString("value");
                p.packArrayHeader(2);   // a list, which Python's rpc_store keeps as it is
                p.packInt(1);
                p.packInt(2);
            });
            default -> null;
        };
        try (ScriptedPeer python = new ScriptedPeer(storesAnything);
             KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).threadName("lenient").build())) {
            client.bootstrap(List.of(python.address())).get();
            for (int i = 0; i < 3; i++) {
                assertEquals(Optional.empty(), client.get("a-list").get());
            }
            assertEquals(0, client.stats().dropped(DropReason.BAD_RESPONSE));
            assertEquals(3, client.stats().dropped(DropReason.REFUSED_VALUE));
            assertEquals(List.of(pythonId), client.contacts().stream().map(Contact::id).toList());
        }
    }

    @Test
    void storesOfValuesWeDoNotKeepAreAnsweredFalseAndNeverServed() throws Exception {
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().threadName("refuse").build());
             RawUdpPeer peer = new RawUdpPeer()) {
            NodeId key = NodeId.digestOf("refused");
            List<Body> refused = List.of(
                    p -> {
                        p.packRawStringHeader(3);
                        p.writePayload(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd});
                    },
                    p -> {
                        p.packArrayHeader(1);
                        p.packInt(1);
                    },
                    p -> p.packMapHeader(0),
                    p -> p.packNil());
            for (Body value : refused) {
                byte[] request = storeRequest(key, value);
                Datagram.Response reply = reply(peer, request, node.localAddress());
                assertEquals(new RpcResponse.StoreReply(false), WireCodec.decodeResponse(RpcKind.STORE, reply.body()));
            }
            assertEquals(refused.size(), node.stats().dropped(DropReason.REFUSED_VALUE));
            assertTrue(node.localValue(key).isEmpty());
            byte[] find = WireCodec.encodeRequest(MessageId.random(RANDOM), new RpcRequest.FindValue(NodeId.random(RANDOM), key));
            Datagram.Response found = reply(peer, find, node.localAddress());
            assertInstanceOf(RpcResponse.Nodes.class, WireCodec.decodeResponse(RpcKind.FIND_VALUE, found.body()));

            // The five kept types, a float and a bool among them, are stored and served back as sent.
            for (DhtValue value : List.of(DhtValue.floating(2.5), DhtValue.bool(false), DhtValue.integer(7),
                    DhtValue.bytes(new byte[] {9}), DhtValue.text("ok"))) {
                Datagram.Response ok = reply(peer, storeRequest(key, value::writeTo),
                        node.localAddress());
                assertEquals(new RpcResponse.StoreReply(true), WireCodec.decodeResponse(RpcKind.STORE, ok.body()));
                assertEquals(Optional.of(value), node.localValue(key));
            }
        }
    }

    /** Sends a request and returns the reply, passing over the node's own requests (it verifies us with a ping). */
    private static Datagram.Response reply(RawUdpPeer peer, byte[] request, InetSocketAddress to) throws Exception {
        peer.send(request, to);
        while (true) {
            byte[] in = peer.receive(java.time.Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("no reply within 10 s"));
            if (WireCodec.decode(in) instanceof Datagram.Response r) {
                return r;
            }
        }
    }

    private static byte[] storeRequest(NodeId key, Body value) throws IOException {
        byte[] b = body(p -> {
            p.packArrayHeader(2);
            p.packString("store");
            p.packArrayHeader(3);
            bin(p, NodeId.random(RANDOM).toBytes());
            bin(p, key.toBytes());
            value.write(p);
        });
        byte[] datagram = new byte[WireCodec.HEADER_LENGTH + b.length];
        RANDOM.nextBytes(datagram);  // a random message id
        datagram[0] = WireCodec.REQUEST;
        System.arraycopy(b, 0, datagram, WireCodec.HEADER_LENGTH, b.length);
        return datagram;
    }
}
