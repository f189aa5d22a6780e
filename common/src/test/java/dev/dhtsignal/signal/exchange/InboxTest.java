package dev.dhtsignal.signal.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.rtc.RtcConfig;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the other side sends on a channel nobody reads stays bounded. */
class InboxTest {
    @Test
    void messagesNobodyReadsAreKeptUpTo16MiBAndTheRestDropped() throws Exception {
        try (RtcFactory factory = new RtcFactory();
             RtcPeer offerer = factory.createPeer(RtcConfig.defaults());
             RtcPeer answerer = factory.createPeer(RtcConfig.defaults())) {
            RtcDataChannel sending = offerer.createDataChannel("chat");
            SessionDescription offer = Await.result("offer", offerer.createOffer());
            Await.result("the answer applied", offerer.acceptAnswer(Await.result("answer", answerer.acceptOffer(offer))));
            RtcDataChannel receiving = Await.result("the incoming channel", answerer.incomingDataChannel());
            Inbox inbox = Inbox.of(receiving);
            Await.result("the channel open", sending.opened());
            String message = "m".repeat(RtcDataChannel.MAX_MESSAGE_BYTES - 16);
            for (int i = 0; i < 100; i++) {  // 25 MiB
                if (sending.bufferedAmount() > 4L * 1024 * 1024) {
                    sending.awaitBufferedBelow(1024 * 1024, Duration.ofSeconds(30));
                }
                sending.send(message);
            }
            sending.send("last");
            sending.closeGracefully(Duration.ofSeconds(10));
            Await.result("the receiving channel closed", receiving.closed());  // so everything sent has arrived
            int kept = 0;
            long bytes = 0;
            while (true) {
                var m = inbox.poll(Duration.ofMillis(100));
                if (m.isEmpty()) {
                    break;
                }
                kept++;
                bytes += m.get().data().length;
            }
            assertTrue(bytes <= Inbox.MAX_BYTES, bytes + " bytes kept");
            assertEquals(Inbox.MAX_BYTES / message.length() + 1, kept, "64 full messages and the short last one");
        }
    }
}
