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
