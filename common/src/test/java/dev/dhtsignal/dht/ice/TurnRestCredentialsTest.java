package dev.dhtsignal.dht.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.rpc.RateLimiter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** TURN REST credentials as coturn's use-auth-secret checks them, and how often one address gets them. */
class TurnRestCredentialsTest {
    private static final byte[] SECRET = "testsecret".getBytes(StandardCharsets.UTF_8);
    private static final List<String> URLS = List.of("turn:203.0.113.5:3478?transport=udp");

    @Test
    void thePasswordIsBase64OfHmacSha1OfTheUsername() {
        // Computed independently: printf %s 1796654255:abc | openssl dgst -sha1 -hmac testsecret -binary | base64
        assertEquals("VbNrlZ+73KwlDpqWwzJQL1CUSlU=", TurnRestCredentials.password(SECRET, "1796654255:abc"));
    }

    @Test
    void aUsernameIsItsExpiryAndAShortRandomIdAndEachRunGetsItsOwn() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000, 500_000_000), ZoneOffset.UTC);
        TurnRestCredentials credentials = new TurnRestCredentials(URLS, SECRET, Duration.ofMinutes(10), clock);
        TurnServer a = credentials.issue();
        TurnServer b = credentials.issue();
        assertTrue(a.username().matches("1700000600:[A-Za-z0-9_-]{8}"), a.username());
        assertEquals(Instant.ofEpochSecond(1_700_000_600), a.expires());
        assertEquals(TurnRestCredentials.password(SECRET, a.username()), a.credential());
        assertEquals(URLS, a.urls());
        assertNotEquals(a.username(), b.username());
    }

    @Test
    void badSettingsAreRefusedSayingWhy() {
        Clock clock = Clock.systemUTC();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TurnRestCredentials(URLS, SECRET, Duration.ofHours(2), clock));
        assertTrue(e.getMessage().contains("between 1 minute and 1 hour"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TurnRestCredentials(List.of("stun:203.0.113.5"), SECRET, Duration.ofMinutes(10), clock));
        assertTrue(e.getMessage().contains("is not a turn: or turns: URL"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TurnRestCredentials(
                java.util.Collections.nCopies(9, URLS.get(0)), SECRET, Duration.ofMinutes(10), clock));
        assertTrue(e.getMessage().contains("at most 8 TURN URLs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TurnRestCredentials(
                List.of("turn:" + "a".repeat(96)), SECRET, Duration.ofMinutes(10), clock));
        assertTrue(e.getMessage().contains("at most 100 characters"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TurnRestCredentials(URLS, new byte[0], Duration.ofMinutes(10), clock));
        assertTrue(e.getMessage().contains("secret is empty"), e.getMessage());
    }

    @Test
    void oneAddressGetsAFewAMinuteItsNetworkFourTimesThat() throws Exception {
        AtomicLong nanos = new AtomicLong();
        IceServerIssuer issuer = new IceServerIssuer(true,
                new TurnRestCredentials(URLS, SECRET, Duration.ofMinutes(10), Clock.systemUTC()),
                IceServerIssuer.DEFAULT_RATES, nanos::get);
        InetAddress a = InetAddress.getByName("198.51.100.1");
        for (int i = 0; i < 3; i++) {
            IceServerOffer offer = issuer.offerTo(a).orElseThrow();
            assertTrue(offer.stun());
            assertEquals(1, offer.turn().size());
        }
        assertTrue(issuer.offerTo(a).isEmpty(), "the fourth at once is refused");
        int fromTheNetwork = 0;
        for (int host = 2; host < 40; host++) {
            if (issuer.offerTo(InetAddress.getByName("198.51.100." + host)).isPresent()) {
                fromTheNetwork++;
            }
        }
        assertEquals(12 - 3, fromTheNetwork, "the /24 shares 12 at once, 3 of which the first address took");
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertTrue(issuer.offerTo(a).isPresent(), "one more after 10 s (6 a minute, the /24 24 a minute)");
        assertTrue(issuer.offerTo(a).isEmpty());
        assertTrue(issuer.offerTo(InetAddress.getByName("203.0.113.9")).isPresent(), "another network is not held back");
        IceServerIssuer stunOnly = new IceServerIssuer(false, null, RateLimiter.Rates.perMinute(6, 3, 50), nanos::get);
        assertEquals(IceServerOffer.NONE, stunOnly.offerTo(a).orElseThrow());
    }

    @Test
    void aReplyWithTheMostUrlsAllowedFitsThePaddedRequest() {
        List<String> longest = java.util.Collections.nCopies(8, "turns:" + "h".repeat(88) + ":65535");
        TurnServer t = new TurnRestCredentials(longest, SECRET, Duration.ofHours(1), Clock.systemUTC()).issue();
        byte[] reply = dev.dhtsignal.dht.kademlia.wire.WireCodec.encodeResponse(
                dev.dhtsignal.dht.kademlia.wire.MessageId.of(new byte[20]),
                new dev.dhtsignal.dht.kademlia.wire.RpcResponse.IceServers(new IceServerOffer(true, List.of(t))));
        assertTrue(reply.length <= dev.dhtsignal.dht.kademlia.wire.WireCodec.ICE_SERVERS_REQUEST_BYTES, reply.length + " bytes");
    }

    @Test
    void theStunUrlIsBuiltFromTheAddressThePeerAsked() throws Exception {
        assertEquals("stun:203.0.113.5:8468",
                IceServerOffer.stunUrl(new java.net.InetSocketAddress(InetAddress.getByName("203.0.113.5"), 8468)));
        assertEquals("stun:[2001:db8:0:0:0:0:0:5]:8468",
                IceServerOffer.stunUrl(new java.net.InetSocketAddress(InetAddress.getByName("2001:db8::5"), 8468)));
    }
}
