package dev.dhtsignal.dht.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.kademlia.RawUdpPeer;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.rpc.RpcTimeoutException;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Peers asking a node for its ICE servers over the original wire, as the peer side will. */
class IceServersRpcTest {
    private static final byte[] SECRET = "node-secret".getBytes(StandardCharsets.UTF_8);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static KademliaConfig.Builder server() {
        return KademliaConfig.builder().bindAddress(LOOPBACK).threadName("ice-test").limits(RateLimits.defaults())
                .turnCredentials(new TurnRestCredentials(List.of("turn:198.51.100.1:3478?transport=udp"), SECRET,
                        Duration.ofMinutes(10), Clock.systemUTC()));
    }

    private static KademliaNode client() throws Exception {
        return KademliaNode.start(KademliaConfig.builder().bindAddress(LOOPBACK).clientOnly(true).threadName("ice-client").build());
    }

    @Test
    void aPeerGetsTheNodesStunServiceAndFreshTurnCredentials() throws Exception {
        try (KademliaNode node = KademliaNode.start(server().build()); KademliaNode peer = client()) {
            IceServerOffer offer = Await.result("ice_servers", peer.iceServers(node.localAddress()));
            assertTrue(offer.stun());
            TurnServer turn = offer.turn().get(0);
            assertEquals(List.of("turn:198.51.100.1:3478?transport=udp"), turn.urls());
            assertEquals(TurnRestCredentials.password(SECRET, turn.username()), turn.credential());
            long expiry = Long.parseLong(turn.username().substring(0, turn.username().indexOf(':')));
            assertEquals(turn.expires(), Instant.ofEpochSecond(expiry));
            assertTrue(turn.expires().isAfter(Instant.now().plus(Duration.ofMinutes(9))), turn.expires().toString());
            assertEquals("stun:127.0.0.1:" + node.localAddress().getPort(), IceServerOffer.stunUrl(node.localAddress()));
            assertEquals(0, node.stats().stun().answered(), "asking is no STUN request");
        }
    }

    @Test
    void aNodeWithoutTurnOrStunSaysSo() throws Exception {
        try (KademliaNode node = KademliaNode.start(server().turnCredentials(null).answerStun(false).build());
             KademliaNode peer = client()) {
            assertEquals(IceServerOffer.NONE, Await.result("ice_servers", peer.iceServers(node.localAddress())));
        }
    }

    @Test
    void theReplyIsNeverLargerThanTheRequestAndAnUnpaddedOneGetsNone() throws Exception {
        try (KademliaNode node = KademliaNode.start(server().build()); RawUdpPeer raw = new RawUdpPeer()) {
            byte[] padded = WireCodec.encodeRequest(MessageId.random(new SecureRandom()),
                    RpcRequest.IceServers.paddedTo(WireCodec.ICE_SERVERS_REQUEST_BYTES));
            byte[] reply = raw.call(padded, node.localAddress());
            assertTrue(reply.length <= padded.length, reply.length + " bytes for " + padded.length);
            Datagram.Response response = (Datagram.Response) WireCodec.decode(reply);
            assertInstanceOf(RpcResponse.IceServers.class, WireCodec.decodeResponse(RpcKind.ICE_SERVERS, response.body()));

            byte[] bare = WireCodec.encodeRequest(MessageId.random(new SecureRandom()), new RpcRequest.IceServers(0));
            raw.send(bare, node.localAddress());
            assertEquals(Optional.empty(), raw.receive(Duration.ofMillis(500)));
            Await.until("the refusal counted", Duration.ofSeconds(10),
                    () -> node.stats().dropped(DropReason.REPLY_TOO_LARGE) == 1);
        }
    }

    @Test
    void oneAddressGetsThreeAtOnceThenWaits() throws Exception {
        try (KademliaNode node = KademliaNode.start(server().build()); RawUdpPeer raw = new RawUdpPeer()) {
            int answered = 0;
            for (int i = 0; i < 5; i++) {
                byte[] request = WireCodec.encodeRequest(MessageId.random(new SecureRandom()),
                        RpcRequest.IceServers.paddedTo(WireCodec.ICE_SERVERS_REQUEST_BYTES));
                raw.send(request, node.localAddress());
                if (raw.receive(Duration.ofMillis(i < 3 ? 10_000 : 500)).isPresent()) {
                    answered++;
                }
            }
            assertEquals(3, answered);
            assertEquals(2, node.stats().dropped(DropReason.RATE_LIMITED));
        }
    }

    @Test
    void aNodeThatDoesNotKnowTheRpcLeavesTheAskerWaitingOnlyForItsTimeout() throws Exception {
        // A node that ignores unknown RPCs, as the original's Python nodes do: a socket that never answers.
        try (RawUdpPeer silent = new RawUdpPeer(); KademliaNode peer = client()) {
            Throwable failure = Await.failure("ice_servers to a node that ignores it", peer.iceServers(silent.address()));
            assertInstanceOf(RpcTimeoutException.class, failure, failure.toString());
            assertEquals(WireCodec.ICE_SERVERS_REQUEST_BYTES, silent.receive(Duration.ofSeconds(1)).orElseThrow().length);
        }
    }
}
