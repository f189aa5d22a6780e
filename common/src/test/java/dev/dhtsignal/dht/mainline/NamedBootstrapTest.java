package dev.dhtsignal.dht.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;

/**
 * A node the user names to join through ({@code --bootstrap}) is admitted whatever its id. A user's own
 * {@code dht-server --network mainline} that has not learnt its public address from other nodes (alone, or in
 * a network of the user's own) keeps a random id, which BEP 42 refuses from a public address: peers joined
 * through it kept an empty routing table and found nothing (seen with a node on the machine's public-looking
 * interface address). Here the peers apply BEP 42 to loopback too ({@code --strict-node-ids}), so loopback
 * stands for that public address.
 */
class NamedBootstrapTest {
    private final List<MainlineNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(MainlineNode::close);
    }

    private MainlineNode start(MainlineConfig config) throws Exception {
        MainlineNode node = MainlineNode.start(config);
        nodes.add(node);
        return node;
    }

    private static MainlineConfig strictPeer() throws Exception {
        return MainlineConfig.client(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
                .withStrictNodeIds(true).withThreadName("named-peer");
    }

    @Test
    void peersJoinedThroughANamedNodeWithARandomIdKeepItAndMeetThroughIt() throws Exception {
        MainlineNode own = start(MainlineConfig.server(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
                .withThreadName("named-own"));
        List<InetSocketAddress> named = List.of(own.localAddress());

        MainlineNode writer = start(strictPeer());
        MainlineNode reader = start(strictPeer());
        assertEquals(1, writer.bootstrapNamed(named).get(30, TimeUnit.SECONDS));
        assertEquals(1, reader.bootstrapNamed(named).get(30, TimeUnit.SECONDS));
        assertTrue(writer.contacts().stream().map(Contact::address).anyMatch(own.localAddress()::equals),
                "the named node is in the table: " + writer.contacts());

        Ed25519.SigningKey key = Ed25519.generate();
        byte[] salt = "offer".getBytes(StandardCharsets.UTF_8);
        MutableItem item = MutableItem.sign(key, salt, 1, "hello".getBytes(StandardCharsets.UTF_8));
        PutResult put = writer.put(item, Optional.empty()).get(30, TimeUnit.SECONDS);
        assertEquals(1, put.stored(), put.toString());
        assertEquals(Optional.of(item), reader.get(item.target(), salt).get(30, TimeUnit.SECONDS).mutable());
    }

    @Test
    void aNodeThatIsNotNamedStillMeetsBep42() throws Exception {
        // The same node reached as a stranger (the routers, the nodes kept from the last run): not admitted.
        MainlineNode own = start(MainlineConfig.server(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
                .withThreadName("named-stranger"));
        MainlineNode peer = start(strictPeer());
        assertEquals(1, peer.bootstrap(List.of(own.localAddress())).get(30, TimeUnit.SECONDS));
        assertTrue(peer.contacts().isEmpty(), "a random id from an address BEP 42 applies to: " + peer.contacts());
    }
}
