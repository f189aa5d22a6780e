package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.MainlineBoard;
import dev.dhtsignal.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key exchange of short codes over BEP 44 items, on a loopback network of our own Mainline nodes. */
class MainlineNameplatesTest {
    private static final List<MainlineNode> nodes = new ArrayList<>();
    private static final PakeHandshake.Settings SETTINGS = new PakeHandshake.Settings(Duration.ofSeconds(60),
            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(20));

    @BeforeAll
    static void startNetwork() throws Exception {
        for (int i = 0; i < 10; i++) {
            nodes.add(MainlineNode.start(MainlineConfig.server(loopback()).withThreadName("pake-ml-" + i)));
        }
        for (int i = 1; i < nodes.size(); i++) {
            nodes.get(i).bootstrap(List.of(nodes.get(0).localAddress())).get(30, TimeUnit.SECONDS);
        }
        nodes.get(0).bootstrap(List.of(nodes.get(1).localAddress())).get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        nodes.forEach(MainlineNode::close);
    }

    private static InetSocketAddress loopback() throws Exception {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
    }

    private static PakeHandshake peer(int nameplate) throws Exception {
        return peer(n -> nameplate);
    }

    private static PakeHandshake peer(java.util.function.IntUnaryOperator picks) throws Exception {
        return new PakeHandshake(new BoardNameplates(new MainlineBoard(client(), null, Clock.systemUTC())), SETTINGS, Clock.systemUTC(),
                SpentCodes.inMemory(), new SecureRandom(), picks);
    }

    private static MainlineNode client() throws Exception {
        MainlineNode client = MainlineNode.start(MainlineConfig.client(loopback()).withThreadName("pake-ml-client"));
        nodes.add(client);
        client.bootstrap(List.of(nodes.get(2).localAddress())).get(30, TimeUnit.SECONDS);
        return client;
    }

    /**
     * Anyone can sign the nameplate items (their keys come from public seeds), so anyone can write one with
     * seq 2^63-1, which no later write can pass. The offerer used to compute seq + 1 (an overflow), have its
     * put refused and fail; 99 such items stopped every new short code. Now such a nameplate is busy, and
     * the next one is tried; a code given for it says why it cannot be used.
     */
    @Test
    void anItemWithTheLargestSequenceNumberMakesItsNameplateBusy() throws Exception {
        MainlineNode squatter = client();
        MutableItem stuck = MutableItem.sign(MainlineBoard.nameplateKey(41, BoardName.Side.OFFERER), new byte[0],
                Long.MAX_VALUE, new byte[0]);
        assertTrue(squatter.put(stuck, java.util.Optional.empty()).get(30, TimeUnit.SECONDS).stored() > 0, "the squat is stored");
        int[] picks = {41, 42};
        int[] next = {0};
        PakeHandshake offerer = peer(n -> picks[next[0]++]);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        assertEquals(42, claim.code().nameplate());
        CompletableFuture<PakeHandshake.Result> offered = CompletableFuture.supplyAsync(() -> offerer.awaitAnswerer(claim, null));
        PakeHandshake.Result answered = peer(42).join(claim.code(), null);
        assertEquals(Await.result("the offerer's side", offered).secret().dhtKey("probe"), answered.secret().dhtKey("probe"));

        SignalingException typed = assertThrows(SignalingException.class, () -> peer(41).claim(new ShortCode(41, 1, 2), null));
        assertTrue(typed.getMessage().contains("cannot be replaced"), typed.getMessage());
    }

    @Test
    void twoPeersAgreeThroughNameplateItemsAndAWrongCodeFailsBoth() throws Exception {
        PakeHandshake offerer = peer(31);
        PakeHandshake.Claim claim = offerer.claim(null, null);
        CompletableFuture<PakeHandshake.Result> offered = CompletableFuture.supplyAsync(() -> offerer.awaitAnswerer(claim, null));
        PakeHandshake.Result answered = peer(31).join(claim.code(), null);
        assertEquals(Await.result("the offerer's side", offered).secret().dhtKey("probe"), answered.secret().dhtKey("probe"));

        PakeHandshake second = peer(32);
        PakeHandshake.Claim other = second.claim(null, null);
        CompletableFuture<PakeHandshake.Result> refused = CompletableFuture.supplyAsync(() -> second.awaitAnswerer(other, null));
        ShortCode wrong = new ShortCode(32, (other.code().first() + 1) % 256, other.code().second());
        assertThrows(WrongCodeException.class, () -> peer(32).join(wrong, null));
        Throwable t = Await.failure("the offerer to give up", refused);
        assertInstanceOf(WrongCodeException.class, t.getCause() != null ? t.getCause() : t);
    }
}
