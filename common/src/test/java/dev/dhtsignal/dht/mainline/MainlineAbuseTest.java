package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.RateLimits;
import dev.dhtsignal.dht.storage.SourceQuotas;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on a full Mainline node over real sockets, each with the defect it once had: a flood of puts
 * that pushed out a signed item, replies 14 times the size of a forged query, transaction ids counted up
 * by one, and every announce_peer refused after a write token was handed out. Each attacker binds an
 * address of its own in 127.0.0.0/8, a host of its own to the node.
 */
class MainlineAbuseTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    private MainlineNode node(MainlineConfig config) throws Exception {
        return opened(MainlineNode.start(config));
    }

    private RawKrpcPeer peer(String address) throws Exception {
        byte[] id = new byte[20];
        new java.util.Random(address.hashCode()).nextBytes(id);
        return opened(new RawKrpcPeer(address, id));
    }

    private static MutableItem signedItem(int valueBytes) {
        byte[] value = new byte[valueBytes];
        java.util.Arrays.fill(value, (byte) 'o');
        return MutableItem.sign(Ed25519.generate(), "offer".getBytes(StandardCharsets.US_ASCII), 1, value);
    }

    private static Map<String, Object> putArguments(MutableItem item, byte[] token) {
        return Map.of("k", item.publicKey(), "salt", item.salt(), "seq", item.seq(), "sig", item.signature(),
                "v", item.value(), "token", token);
    }

    /**
     * The reported case scaled down a hundredfold, same shape: a store of 500 items, a signed item from an
     * honest writer, then 505 immutable puts from four addresses. Before, the store dropped its least
     * recently written item and the signed item was gone; now each address holds its 32nd of the store and
     * the rest of the flood is refused.
     */
    @Test
    void aFloodOfPutsFromFourAddressesDoesNotPushOutASignedItem() throws Exception {
        MainlineNode server = node(MainlineConfig.server(loopback()).withRateLimits(RateLimits.unlimited())
                .withItems(SourceQuotas.sharesOf(500), Duration.ofHours(2)).withThreadName("abuse-flood"));
        MainlineNode honest = node(MainlineConfig.client(loopback()).withThreadName("abuse-honest"));
        assertEquals(1, honest.bootstrap(List.of(server.localAddress())).get(30, TimeUnit.SECONDS));
        MutableItem item = signedItem(200);
        assertEquals(1, honest.put(item, Optional.empty()).get(30, TimeUnit.SECONDS).stored());

        int refused = 0;
        int putsEach = 505 / 4 + 1;
        for (int a = 2; a <= 5; a++) {
            RawKrpcPeer flooder = peer("127.0.0." + a);
            byte[] token = flooder.token(server.localAddress());
            for (int i = 0; i < putsEach; i++) {
                flooder.send(server.localAddress(), "put",
                        Map.of("v", ("flood " + a + " " + i).getBytes(StandardCharsets.US_ASCII), "token", token));
            }
            for (int i = 0; i < putsEach; i++) {
                KrpcMessage reply = flooder.receive(30_000).orElseThrow(() -> new AssertionError("a put went unanswered"));
                if (reply instanceof KrpcMessage.Error e) {
                    assertEquals(KrpcMessage.Error.SERVER, e.code(), e.message());
                    refused++;
                }
            }
        }
        assertTrue(refused >= 4 * putsEach - 4 * (500 / 32), "each address held to its share: " + refused + " refused");
        assertEquals(refused, server.stats().overQuota());
        GetResult got = honest.get(item.target(), item.salt()).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(item), got.mutable(), "the signed item survived the flood");
    }

    /**
     * A get for a stored 900-byte item, 85 bytes, once brought about 1.2 KB back to whatever address it
     * claimed to come from. Now what a sender nobody verified is sent (replies and verification pings)
     * is paid from a budget earned by what such senders send, held up to a reserve: over the flood, bytes
     * out stay within bytes in plus the reserve (1.000 out per byte in measured once the reserve is
     * spent, 1.008 over this short flood with it), while a contact of the node still gets the item whole.
     */
    @Test
    void repliesToSendersNobodyVerifiedAreNoLargerThanWhatTheySent() throws Exception {
        int reserve = 2048;
        MainlineNode server = node(MainlineConfig.server(loopback())
                .withRateLimits(RateLimits.unlimited().withUnverifiedBudget(0, reserve)).withThreadName("abuse-reflect"));
        MainlineNode contact = node(MainlineConfig.server(loopback()).withThreadName("abuse-contact"));
        assertEquals(1, contact.bootstrap(List.of(server.localAddress())).get(30, TimeUnit.SECONDS));
        waitUntil(() -> server.contacts().stream().anyMatch(c -> c.id().equals(contact.id())), "the contact verified");
        MutableItem item = signedItem(900);
        RawKrpcPeer writer = peer("127.0.0.9");
        KrpcMessage stored = writer.ask(server.localAddress(), "put", putArguments(item, writer.token(server.localAddress())));
        assertInstanceOf(KrpcMessage.Response.class, stored, stored.toString());

        RawKrpcPeer attacker = peer("127.0.0.2");
        Map<String, Object> get = Map.of("target", item.target().toBytes());
        KrpcMessage first = attacker.ask(server.localAddress(), "get", get);
        assertTrue(((KrpcMessage.Response) first).values().has("v"), "from the reserve, a whole reply at first");
        assertTrue(attacker.bytesReceived > 10 * attacker.bytesSent, "that is the amplification: "
                + attacker.bytesReceived + " bytes for " + attacker.bytesSent);
        // First the reserve is spent; then the flood goes on at what it earns.
        flood(attacker, server.localAddress(), get, 5);
        long inBefore = attacker.bytesSent;
        long outBefore = attacker.bytesReceived;
        flood(attacker, server.localAddress(), get, 20);
        long in = attacker.bytesSent - inBefore;
        long out = attacker.bytesReceived - outBefore;
        System.out.printf("reflection: %d bytes in, %d bytes out over the whole flood (%.3f); once the %d-byte "
                        + "reserve was spent, %d in, %d out (%.3f)%n", attacker.bytesSent, attacker.bytesReceived,
                (double) attacker.bytesReceived / attacker.bytesSent, reserve, in, out, (double) out / in);
        assertTrue(attacker.bytesReceived <= attacker.bytesSent + reserve, attacker.bytesReceived + " bytes sent back for "
                + attacker.bytesSent + " (reserve " + reserve + ")");
        // Once the reserve is spent the budget holds less than one reply, which a window may start with.
        assertTrue(out <= in + 1500, "at most one byte out per byte in once the reserve is spent: " + out + " for " + in);
        assertTrue(server.stats().cutToBudget() + server.stats().droppedForBudget() > 0, server.stats().toString());

        GetResult got = contact.get(item.target(), item.salt()).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(item), got.mutable(), "a verified contact still gets the item whole");
    }

    /** Sends {@code rounds} times 100 queries, reading what comes back after each hundred. */
    private static void flood(RawKrpcPeer attacker, InetSocketAddress to, Map<String, Object> get, int rounds)
            throws Exception {
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 100; i++) {
                attacker.send(to, "get", get);
            }
            while (attacker.receive(round == rounds - 1 ? 2000 : 50).isPresent()) {
                // counted in bytesReceived
            }
        }
    }

    /**
     * libtorrent blocks, for five minutes, a sender of more than 50 packets to it within 10 s; a peer blocked by
     * the nodes holding its items meets silence. Our node never sends a 51st within the window.
     */
    @Test
    void noMoreThanFiftyQueriesGoToOneNodeWithinTenSeconds() throws Exception {
        MainlineNode client = node(MainlineConfig.client(loopback()).withThreadName("abuse-flood"));
        try (DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            listener.setSoTimeout(2_000);
            InetSocketAddress to = (InetSocketAddress) listener.getLocalSocketAddress();
            List<java.util.concurrent.CompletableFuture<?>> pings = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                pings.add(client.ping(to));
            }
            // The ten beyond the limit fail at once, unsent; the fifty wait for replies that never come.
            assertEquals(10, pings.stream().filter(java.util.concurrent.CompletableFuture::isCompletedExceptionally).count());
            assertTrue(pings.subList(50, 60).stream().allMatch(java.util.concurrent.CompletableFuture::isCompletedExceptionally));
            int arrived = 0;
            byte[] buf = new byte[1500];
            try {
                while (true) {
                    listener.receive(new DatagramPacket(buf, buf.length));
                    arrived++;
                }
            } catch (java.net.SocketTimeoutException e) {
                // all that was sent has arrived
            }
            assertEquals(FloodLimit.PACKETS, arrived);
            assertEquals(FloodLimit.PACKETS, client.floodStats().mostToOneNode());
            assertEquals(10, client.floodStats().heldBack());
        }
    }

    /** Transaction ids were a counter: whoever saw one could forge the replies to the next queries. */
    @Test
    void transactionIdsCannotBePredicted() throws Exception {
        MainlineNode client = node(MainlineConfig.client(loopback()).withThreadName("abuse-txid"));
        List<Long> ids = new ArrayList<>();
        // Eight listeners, since no more than 50 queries go to one node within 10 s (the flood limit).
        List<DatagramSocket> listeners = new ArrayList<>();
        try {
            for (int l = 0; l < 8; l++) {
                DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                listener.setSoTimeout(30_000);
                listeners.add(listener);
            }
            byte[] buf = new byte[1500];
            for (int i = 0; i < 300; i++) {
                DatagramSocket listener = listeners.get(i % listeners.size());
                client.ping((InetSocketAddress) listener.getLocalSocketAddress());
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                listener.receive(p);
                byte[] t = KrpcCodec.decode(p.getData(), p.getLength()).transactionId();
                ids.add(Integer.toUnsignedLong(ByteBuffer.wrap(t).getInt()));
            }
        } finally {
            listeners.forEach(DatagramSocket::close);
        }
        Set<Long> steps = new HashSet<>();
        int counted = 0;
        for (int i = 1; i < ids.size(); i++) {
            long step = ids.get(i) - ids.get(i - 1);
            steps.add(step);
            if (Math.abs(step) <= 16) {
                counted++;
            }
        }
        assertTrue(counted <= 2, counted + " of 299 ids followed the one before within 16: " + ids.subList(0, 10));
        assertTrue(steps.size() >= 290, "steps of every size: " + steps.size() + " distinct");
        assertEquals(300, new HashSet<>(ids).size(), "no id reused while waiting");
    }

    /**
     * A get_peers reply carries a write token; every announce_peer with it used to get error 204, which
     * libtorrent counts as a failure of the node and drops it for. Now the announce is stored (BEP 5)
     * and the peer is handed to whoever asks get_peers for the torrent.
     */
    @Test
    void announcedPeersAreStoredAndReturnedByGetPeers() throws Exception {
        MainlineNode server = node(MainlineConfig.server(loopback()).withThreadName("abuse-announce"));
        byte[] infoHash = NodeId.random(new java.util.Random(9)).toBytes();
        RawKrpcPeer seeder = peer("127.0.0.2");
        RawKrpcPeer nat = peer("127.0.0.3");
        RawKrpcPeer leecher = peer("127.0.0.4");
        for (RawKrpcPeer announcer : List.of(seeder, nat)) {
            KrpcMessage.Response r = (KrpcMessage.Response) announcer.ask(server.localAddress(), "get_peers",
                    Map.of("info_hash", infoHash));
            assertTrue(r.values().has("nodes") && r.values().has("token"), "BEP 5: nodes and a token");
            Map<String, Object> announce = announcer == seeder
                    ? Map.of("info_hash", infoHash, "port", 6881L, "token", r.values().bytes("token"))
                    : Map.of("info_hash", infoHash, "port", 1L, "implied_port", 1L, "token", r.values().bytes("token"));
            KrpcMessage reply = announcer.ask(server.localAddress(), "announce_peer", announce);
            assertInstanceOf(KrpcMessage.Response.class, reply, "accepted: " + reply);
        }
        KrpcMessage.Response found = (KrpcMessage.Response) leecher.ask(server.localAddress(), "get_peers",
                Map.of("info_hash", infoHash));
        Set<InetSocketAddress> peers = new HashSet<>();
        for (Object v : (List<?>) found.values().raw("values")) {
            peers.add(CompactAddress.decode((byte[]) v).orElseThrow());
        }
        assertEquals(Set.of(new InetSocketAddress(seeder.address().getAddress(), 6881), nat.address()), peers,
                "the seeder's named port, and the port the other sent from (implied_port)");
        assertEquals(2, server.stats().peers());

        KrpcMessage forged = leecher.ask(server.localAddress(), "announce_peer",
                Map.of("info_hash", infoHash, "port", 6881L, "token", new byte[8]));
        assertEquals(KrpcMessage.Error.PROTOCOL, ((KrpcMessage.Error) forged).code(), "a token it was not given");
        assertEquals(2, server.stats().peers());
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
