package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ice.IceServerOffer;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import dev.dhtsignal.dht.ice.TurnServer;
import dev.dhtsignal.testing.Await;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ice_servers KRPC query: answered by our full nodes within the size and rate rules, 204 read as none. */
class MainlineIceServersTest {
    private static final byte[] SECRET = "mainline-secret".getBytes(StandardCharsets.UTF_8);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static MainlineConfig server() {
        return MainlineConfig.server(LOOPBACK).withThreadName("ml-ice").withTurn(new TurnRestCredentials(
                List.of("turn:198.51.100.1:3478?transport=udp"), SECRET, Duration.ofMinutes(10), Clock.systemUTC()));
    }

    @Test
    void aReadOnlyPeerGetsTheNodesStunServiceAndFreshTurnCredentials() throws Exception {
        try (MainlineNode node = MainlineNode.start(server());
             MainlineNode peer = MainlineNode.start(MainlineConfig.client(LOOPBACK).withThreadName("ml-ice-peer"))) {
            IceServerOffer offer = Await.result("ice_servers", peer.iceServers(node.localAddress()));
            assertTrue(offer.stun());
            TurnServer turn = offer.turn().get(0);
            assertEquals(TurnRestCredentials.password(SECRET, turn.username()), turn.credential());
            assertEquals(List.of("turn:198.51.100.1:3478?transport=udp"), turn.urls());
            // A read-only node answers nothing, ice_servers included: the asker times out.
            Await.failure("ice_servers to a read-only node", node.iceServers(peer.localAddress()));
        }
    }

    @Test
    void theReplyIsNeverLargerThanTheQueryAndOneAddressGetsThreeAtOnce() throws Exception {
        try (MainlineNode node = MainlineNode.start(server()); DatagramSocket raw = new DatagramSocket(LOOPBACK)) {
            byte[] t = {1, 2, 3, 4};
            NodeId id = NodeId.random(new java.util.Random(3));
            Map<String, Object> a = new HashMap<>(MainlineIceServers.paddedArguments(t, id, false));
            a.put("id", id.toBytes());
            byte[] padded = KrpcCodec.encode(new KrpcMessage.Query(t, "ice_servers", new Dict(a), false));
            assertEquals(MainlineIceServers.QUERY_BYTES, padded.length);
            int answers = 0;
            for (int i = 0; i < 4; i++) {
                Optional<byte[]> reply = exchange(raw, padded, node.localAddress());
                if (reply.isPresent()) {
                    answers++;
                    assertTrue(reply.get().length <= padded.length, reply.get().length + " bytes");
                    KrpcMessage.Response r = (KrpcMessage.Response) KrpcCodec.decode(reply.get(), reply.get().length);
                    assertEquals(1, MainlineIceServers.read(r).turn().size());
                }
            }
            assertEquals(3, answers, "the fourth at once is not answered");

            try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
                byte[] bare = KrpcCodec.encode(new KrpcMessage.Query(t, "ice_servers",
                        new Dict(Map.of("id", id.toBytes())), false));
                assertEquals(Optional.empty(), exchange(other, bare, node.localAddress()), "an unpadded query gets nothing");
                assertTrue(exchange(other, padded, node.localAddress()).isPresent(), "while a padded one does");
            }
            assertEquals(0, node.stats().handlerFailures());
        }
    }

    @Test
    void aNodeThatAnswers204IsReadAsOfferingNone() throws Exception {
        try (DatagramSocket bep5 = new DatagramSocket(LOOPBACK);
             MainlineNode peer = MainlineNode.start(MainlineConfig.client(LOOPBACK).withThreadName("ml-ice-204"))) {
            var asked = peer.iceServers((InetSocketAddress) bep5.getLocalSocketAddress());
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            bep5.setSoTimeout(10_000);
            bep5.receive(p);
            KrpcMessage.Query q = (KrpcMessage.Query) KrpcCodec.decode(p.getData(), p.getLength());
            assertEquals("ice_servers", q.method());
            byte[] error = KrpcCodec.encode(new KrpcMessage.Error(q.transactionId(), KrpcMessage.Error.METHOD_UNKNOWN,
                    "Method Unknown"));
            bep5.send(new DatagramPacket(error, error.length, p.getSocketAddress()));
            assertEquals(IceServerOffer.NONE, Await.result("ice_servers answered 204", asked));
        }
    }

    private static Optional<byte[]> exchange(DatagramSocket s, byte[] query, InetSocketAddress to) throws Exception {
        s.send(new DatagramPacket(query, query.length, to));
        s.setSoTimeout(2000);
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            s.receive(p);
            return Optional.of(Arrays.copyOf(p.getData(), p.getLength()));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }
}
