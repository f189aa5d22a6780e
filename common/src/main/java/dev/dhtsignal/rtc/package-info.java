/**
 * A thin wrapper over webrtc-java for one purpose: two peers exchange a complete SDP offer and
 * answer (by whatever means; this package knows nothing about the DHT) and then talk over a
 * data channel.
 *
 * <pre>{@code
 * try (RtcFactory rtc = new RtcFactory()) {
 *     RtcPeer peer = rtc.createPeer(RtcConfig.defaults());
 *     RtcDataChannel channel = peer.createDataChannel("chat");   // before the offer
 *     SessionDescription offer = peer.createOffer().get();       // carries all candidates
 *     // ... deliver the offer, receive the answer ...
 *     peer.acceptAnswer(answer).get();
 *     channel.opened().get();
 *     channel.send("hello");
 * }
 * }</pre>
 *
 * <p>Threading: webrtc-java calls observers on one native thread. Callbacks here only record
 * events; futures and message listeners run on daemon worker threads owned by the
 * {@link dev.dhtsignal.rtc.RtcFactory} (see {@code Dispatcher}), so user code can block or call
 * back into this package without stalling WebRTC.
 */
package dev.dhtsignal.rtc;
