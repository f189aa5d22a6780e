package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the other side of a {@code peer} channel can make a session hold, with two real WebRTC peers in
 * this JVM: one speaks through a {@link PeerSession}, the other writes raw messages on the channel as a
 * hostile peer may.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerSessionLimitsTest {
    private RtcFactory factory;
    private final List<RtcPeer> peers = new ArrayList<>();

    @BeforeAll
    void startWebRtc() {
        factory = new RtcFactory();
    }

    @AfterEach
    void closePeers() {
        peers.forEach(RtcPeer::close);
        peers.clear();
    }

    @AfterAll
    void stopWebRtc() {
        factory.close();
    }

    /** A session ({@code victim}) and the raw channel of the other side, which also has a session for its replies. */
    private record Pair(PeerSession victim, PeerSession attacker, List<String> lines) {
    }

    private Pair connect() {
        RtcPeer offerer = factory.createPeer(RtcConfig.defaults());
        RtcPeer answerer = factory.createPeer(RtcConfig.defaults());
        peers.add(offerer);
        peers.add(answerer);
        PeerSession attacker = PeerSession.open(offerer);
        PeerSession victim = PeerSession.open(answerer);
        SessionDescription offer = Await.result("offer", offerer.createOffer());
        Await.result("offerer applying the answer", offerer.acceptAnswer(Await.result("answer", answerer.acceptOffer(offer))));
        Await.result("the attacker's channel open", attacker.channel().opened());
        Await.result("the victim's channel open", victim.channel().opened());
        List<String> lines = new CopyOnWriteArrayList<>();
        victim.begin(lines::add, IncomingFiles.refusing("not receiving files", lines::add));
        attacker.begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
        return new Pair(victim, attacker, lines);
    }

    @Test
    void aLineOverOneMebibyteClosesTheSessionAndTheSenderIsToldWhy() {
        Pair pair = connect();
        String part = "x".repeat(LineSplitter.MAX_PART_CHARS);
        pair.attacker().send(PeerMessage.line("a short line first", false));
        int parts = PeerSession.MAX_LINE_CHARS / part.length() + 50;  // 1.5 MB of chars: past the cap, and on
        int sent = 0;
        try {
            for (; sent < parts; sent++) {
                pair.attacker().send(PeerMessage.line(part, true));
            }
        } catch (IllegalStateException e) {
            // The victim closed the session once past the cap, while the rest was still being sent (a fast
            // delivery on a busy machine): the attacker's channel refuses what follows.
        }
        assertTrue((long) sent * part.length() > PeerSession.MAX_LINE_CHARS, "refused only past the cap: " + sent + " parts");
        Await.result("the victim's channel closed", pair.victim().channel().closed());
        assertEquals("sent a line over 1 MiB", pair.victim().closedByUs().orElseThrow().text());
        assertEquals("the offerer sent a line over 1 MiB", pair.victim().closedByUs().get().toldAbout("offerer"));
        assertEquals(List.of("a short line first"), pair.lines(), "the long line never reached the listener");
        Await.result("the attacker's channel closed", pair.attacker().channel().closed());
        assertEquals("you sent a line over 1 MiB", pair.attacker().closedByPeer().orElseThrow());
    }

    @Test
    void aLineJustUnderTheCapArrivesWhole() {
        Pair pair = connect();
        String line = "y".repeat(PeerSession.MAX_LINE_CHARS);
        pair.attacker().sendLine(line);
        Await.until("the long line to arrive", Await.DEADLINE, () -> !pair.lines().isEmpty());
        assertEquals(line, pair.lines().get(0));
        assertFalse(pair.victim().closedByUs().isPresent());
    }

    @Test
    void aControlMessageOver64KiBClosesTheSession() {
        Pair pair = connect();
        String name = "n".repeat(PeerSession.MAX_CONTROL_BYTES);
        pair.attacker().channel().send(PeerMessage.file(1, name, 1).toJson());
        Await.result("the victim's channel closed", pair.victim().channel().closed());
        assertEquals("sent a message over 64 KiB", pair.victim().closedByUs().orElseThrow().text());
        Await.result("the attacker's channel closed", pair.attacker().channel().closed());
        assertEquals("you sent a message over 64 KiB", pair.attacker().closedByPeer().orElseThrow());
    }

    @Test
    void aPeerThatSendsMoreThan16MiBBeforeTheGreetingsAreDoneIsClosed() {
        RtcPeer offerer = factory.createPeer(RtcConfig.defaults());
        RtcPeer answerer = factory.createPeer(RtcConfig.defaults());
        peers.add(offerer);
        peers.add(answerer);
        PeerSession attacker = PeerSession.open(offerer);
        PeerSession victim = PeerSession.open(answerer);  // never begun: what arrives is kept for begin()
        SessionDescription offer = Await.result("offer", offerer.createOffer());
        Await.result("offerer applying the answer", offerer.acceptAnswer(Await.result("answer", answerer.acceptOffer(offer))));
        Await.result("the attacker's channel open", attacker.channel().opened());
        attacker.begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
        java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocateDirect(FileSender.CHUNK_BYTES);
        int sent = 0;
        try {
            for (; sent < 17 * 16; sent++) {  // 17 MiB
                attacker.sendChunk(chunk.clear());
            }
        } catch (IllegalStateException e) {
            // The victim closed once past 16 MiB, before the rest was sent.
        }
        assertTrue(sent >= 16 * 16, "refused only past 16 MiB: " + sent + " chunks");
        Await.result("the victim's channel closed", victim.channel().closed());
        assertEquals("sent more than 16 MiB before the greetings were done", victim.closedByUs().orElseThrow().text());
    }

    @Test
    void aSessionClosedForAReasonOfOurOwnTellsTheOtherSide() {
        Pair pair = connect();
        pair.victim().close(new PeerSession.Closing("no message either way for 10m (--idle-timeout)", false),
                "no message either way for 10m (the answerer's --idle-timeout)");
        Await.result("the other side's channel closed", pair.attacker().channel().closed());
        assertEquals("no message either way for 10m (the answerer's --idle-timeout)",
                pair.attacker().closedByPeer().orElseThrow());
        assertEquals("no message either way for 10m (--idle-timeout)",
                pair.victim().closedByUs().orElseThrow().toldAbout("offerer"));
        assertTrue(pair.victim().idle().toMillis() >= 0);
    }
}
