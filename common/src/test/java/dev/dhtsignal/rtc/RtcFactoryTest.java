package dev.dhtsignal.rtc;

import dev.dhtsignal.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RtcFactoryTest {
    @Test
    void closingTheFactoryClosesPeersAndStopsItsThreads() {
        Set<Thread> nonDaemonBefore = liveNonDaemonThreads();

        RtcFactory factory = new RtcFactory();
        RtcPeer closedFirst = factory.createPeer(RtcConfig.defaults());
        RtcPeer closedByFactory = factory.createPeer(RtcConfig.defaults());
        closedFirst.createDataChannel("chat");
        closedByFactory.createDataChannel("chat");
        Await.result("offer", closedFirst.createOffer());
        // Left waiting: closing must end these rather than leave them hanging.
        var offerInProgress = closedByFactory.createOffer();
        var connected = closedByFactory.connected();
        var incoming = closedByFactory.incomingDataChannel();

        closedFirst.close();
        closedFirst.close();
        factory.close();
        factory.close();

        assertEquals(ConnectionEnd.CLOSED, Await.result("ended() of a closed peer", closedFirst.ended()));
        assertEquals(ConnectionEnd.CLOSED, Await.result("ended() of a peer closed by its factory", closedByFactory.ended()));
        Throwable notConnected = Await.failure("connected() of a peer closed before connecting", connected);
        assertInstanceOf(RtcException.class, notConnected);
        assertTrue(notConnected.getMessage().contains("closed before it connected"), notConnected.getMessage());
        Await.failure("incomingDataChannel() of a closed peer", incoming);
        offerInProgress.handle((value, failure) -> null).join(); // completes one way or the other
        assertInstanceOf(IllegalStateException.class, Await.failure("offer after close", closedFirst.createOffer()));
        assertThrows(IllegalStateException.class, () -> closedFirst.createDataChannel("late"));
        assertThrows(IllegalStateException.class, () -> factory.createPeer(RtcConfig.defaults()));

        List<String> ours = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(factory + "-"))
                .toList();
        assertTrue(ours.isEmpty(), "threads still running after close: " + ours);
        Set<Thread> leftBehind = liveNonDaemonThreads();
        leftBehind.removeAll(nonDaemonBefore);
        assertTrue(leftBehind.isEmpty(), "non-daemon threads left behind: " + leftBehind);
    }

    @Test
    void nativeLoadFailureSaysWhatToInstall() {
        String message = RtcFactory.describeLoadFailure(new UnsatisfiedLinkError(
                "/tmp/webrtc-java-linux-x86_64.so: libpulse.so.0: cannot open shared object file"));
        assertTrue(message.contains("apt-get install libpulse0"), message);
        assertTrue(message.contains("libpulse.so.0: cannot open shared object file"), message);
    }

    private static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && !thread.isDaemon())
                .collect(Collectors.toSet());
    }
}
