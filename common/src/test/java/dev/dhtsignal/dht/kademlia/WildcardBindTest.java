package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A node bound to 0.0.0.0 answers from the address the kernel picks for the way back, which need not be
 * the one it was asked at. Asked at 127.0.0.2, it answers from 127.0.0.1: the reply is matched by its
 * message id, and the node is recorded where it answers.
 */
class WildcardBindTest {
    @Test
    void aNodeAskedAtOneAddressAndAnsweringFromAnotherIsUsedWhereItAnswers() throws Exception {
        KademliaConfig serverConfig = KademliaConfig.builder()
                .bindAddress(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0))
                .threadName("wildcard").build();
        try (KademliaNode server = KademliaNode.start(serverConfig);
             KademliaNode client = KademliaNode.start(KademliaConfig.builder().clientOnly(true).threadName("asker").build())) {
            int port = server.localAddress().getPort();
            InetSocketAddress asked = new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port);
            BootstrapResult joined = client.bootstrap(List.of(asked)).get();
            assertEquals(1, joined.reached().size(), "the server answered: " + joined);
            List<Contact> contacts = client.contacts();
            assertEquals(1, contacts.size(), contacts.toString());
            assertEquals(server.id(), contacts.get(0).id());
            assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), contacts.get(0).address(),
                    "recorded where its replies come from");

            client.put("wildcard-key", DhtValue.text("v")).get();
            assertEquals(Optional.of(DhtValue.text("v")), client.get("wildcard-key").get());
            assertTrue(server.localValue(NodeId.digestOf("wildcard-key")).isPresent());
        }
    }
}
