package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A loopback network of our Mainline nodes: BEP 44 puts and gets, their rules, and read-only peers. */
class MainlineNetworkTest {
    private static final int SERVERS = 12;
    private final List<MainlineNode> nodes = new ArrayList<>();

    static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    @BeforeEach
    void startNetwork() throws Exception {
        for (int i = 0; i < SERVERS; i++) {
            nodes.add(MainlineNode.start(MainlineConfig.server(loopback()).withThreadName("ml-test-" + i)));
        }
        InetSocketAddress first = nodes.get(0).localAddress();
        for (int i = 1; i < SERVERS; i++) {
            assertEquals(1, nodes.get(i).bootstrap(List.of(first)).get(30, TimeUnit.SECONDS));
        }
        nodes.get(0).bootstrap(List.of(nodes.get(1).localAddress())).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        for (MainlineNode n : nodes) {
            assertEquals(0, n.stats().handlerFailures(), "no handler threw");
            n.close();
        }
    }

    private MainlineNode client() throws Exception {
        MainlineNode c = MainlineNode.start(MainlineConfig.client(loopback()).withThreadName("ml-client"));
        nodes.add(c);
        assertEquals(1, c.bootstrap(List.of(nodes.get(3).localAddress())).get(30, TimeUnit.SECONDS));
        return c;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMutableItemPutByOnePeerIsReadByAnother() throws Exception {
        MainlineNode writer = client();
        MainlineNode reader = client();
        Ed25519.SigningKey key = Ed25519.generate();
        byte[] salt = text("offer");
        MutableItem item = MutableItem.sign(key, salt, 1, text("hello"));
        PutResult put = writer.put(item, Optional.empty()).get(30, TimeUnit.SECONDS);
        assertEquals(8, put.stored(), put.toString());

        GetResult got = reader.get(item.target(), salt).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(item), got.mutable());

        MutableItem newer = MutableItem.sign(key, salt, 2, text("hello again"));
        assertEquals(8, writer.put(newer, Optional.of(1L)).get(30, TimeUnit.SECONDS).stored());
        assertArrayEquals(text("hello again"), reader.get(item.target(), salt).get(30, TimeUnit.SECONDS)
                .mutable().orElseThrow().valueBytes().orElseThrow());
    }

    /** Queries the full nodes have answered so far. */
    private long served() {
        return nodes.subList(0, SERVERS).stream().mapToLong(n -> n.stats().queriesServed()).sum();
    }

    /**
     * A poll or a put of a target looked up lately goes straight to its nodes (a round trip, not a traversal of
     * several), asking with the seq it holds; once those nodes are gone, a traversal finds the item elsewhere.
     */
    @Test
    void pollsAndPutsOfATargetGoStraightToItsNodesUntilTheyStopAnswering() throws Exception {
        MainlineNode writer = client();
        MainlineNode reader = client();
        Ed25519.SigningKey key = Ed25519.generate();
        byte[] salt = text("answer");
        MutableItem first = MutableItem.sign(key, salt, 1, text("one"));
        assertEquals(8, writer.put(first, Optional.empty()).get(30, TimeUnit.SECONDS).stored());

        GetResult traversal = reader.get(first.target(), salt).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(first), traversal.mutable());
        assertTrue(traversal.rpcs() >= 8, "a traversal asks at least the k closest: " + traversal.rpcs());
        long before = served();
        GetResult poll = reader.get(first.target(), salt).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(first), poll.mutable(), "an unchanged item is still reported");
        assertEquals(ItemLookups.POLL_WIDTH, poll.rpcs());
        assertEquals(ItemLookups.POLL_WIDTH, served() - before, "the poll went to its nodes only");
        assertEquals(Optional.of(1L), reader.lastSeq(first.target()));

        // The writer read the target before, so its next put goes straight to the nodes with their tokens.
        writer.get(first.target(), salt).get(30, TimeUnit.SECONDS);
        before = served();
        MutableItem second = MutableItem.sign(key, salt, 2, text("two"));
        assertEquals(8, writer.put(second, Optional.empty()).get(30, TimeUnit.SECONDS).stored());
        assertEquals(8, served() - before, "a put without a traversal: one query to each of the k closest");
        assertEquals(Optional.of(second), reader.get(first.target(), salt).get(30, TimeUnit.SECONDS).mutable());

        // The item's nodes leave; the next poll finds them silent and traverses to where the item still is.
        List<MainlineNode> holders = new ArrayList<>();
        for (Contact c : traversal.closest().subList(0, 6)) {
            nodes.stream().filter(n -> n.localAddress().getPort() == c.address().getPort()).forEach(holders::add);
        }
        holders.forEach(MainlineNode::close);
        nodes.removeAll(holders);
        GetResult after = reader.get(first.target(), salt).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(second), after.mutable(), "found on the nodes that are left");
    }

    @Test
    void olderSequenceNumbersAndWrongCasAreRefused() throws Exception {
        MainlineNode writer = client();
        Ed25519.SigningKey key = Ed25519.generate();
        byte[] salt = new byte[0];
        writer.put(MutableItem.sign(key, salt, 5, text("five")), Optional.empty()).get(30, TimeUnit.SECONDS);

        PutResult older = writer.put(MutableItem.sign(key, salt, 4, text("four")), Optional.empty()).get(30, TimeUnit.SECONDS);
        assertEquals(0, older.stored());
        assertTrue(older.refusals().stream().anyMatch(r -> r.contains("error 302")), older.refusals().toString());

        PutResult wrongCas = writer.put(MutableItem.sign(key, salt, 6, text("six")), Optional.of(3L)).get(30, TimeUnit.SECONDS);
        assertEquals(0, wrongCas.stored());
        assertTrue(wrongCas.refusals().stream().anyMatch(r -> r.contains("error 301")), wrongCas.refusals().toString());

        GetResult got = writer.get(MutableItem.targetOf(key.publicKey(), salt), salt).get(30, TimeUnit.SECONDS);
        assertEquals(5, got.mutable().orElseThrow().seq());
    }

    @Test
    void aForgedItemIsNeitherStoredNorReturned() throws Exception {
        MainlineNode writer = client();
        Ed25519.SigningKey owner = Ed25519.generate();
        MutableItem genuine = MutableItem.sign(owner, new byte[0], 1, text("genuine"));
        MutableItem forged = new MutableItem(owner.publicKey(), new byte[0], 2, text("forged"), genuine.signature());
        PutResult put = writer.put(forged, Optional.empty()).get(30, TimeUnit.SECONDS);
        assertEquals(0, put.stored());
        assertTrue(put.refusals().stream().anyMatch(r -> r.contains("error 206")), put.refusals().toString());
        assertTrue(writer.get(genuine.target(), new byte[0]).get(30, TimeUnit.SECONDS).mutable().isEmpty());
    }

    @Test
    void immutableItemsAreStoredUnderTheirHash() throws Exception {
        MainlineNode writer = client();
        ImmutableItem item = new ImmutableItem(text("Hello World!"));
        assertEquals(8, writer.put(item).get(30, TimeUnit.SECONDS).stored());
        assertEquals(Optional.of(item), client().get(item.target(), new byte[0]).get(30, TimeUnit.SECONDS).immutable());
    }

    @Test
    void readOnlyPeersNeverBecomeContacts() throws Exception {
        MainlineNode peer = client();
        peer.put(MutableItem.sign(Ed25519.generate(), new byte[0], 1, text("x")), Optional.empty()).get(30, TimeUnit.SECONDS);
        peer.findNode(peer.id()).get(30, TimeUnit.SECONDS);
        for (MainlineNode n : nodes.subList(0, SERVERS)) {
            for (Contact c : n.contacts()) {
                assertFalse(c.address().equals(peer.localAddress()), n.localAddress() + " lists the read-only peer");
            }
        }
        assertTrue(peer.contacts().size() >= 8, "the peer itself knows the network: " + peer.contacts().size());
        assertEquals(0, peer.stats().queriesServed());
    }
}
