package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCPeerConnectionIceErrorEvent;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What WebRTC reports about one peer connection, as futures and sets that {@link RtcPeer} hands out:
 * gathering, candidates, server errors, connection state, channels the other side opens.
 *
 * <p>Its observer runs on the native signaling thread. It only records what happened, in the order WebRTC
 * reports it; it never blocks and never runs user code (that is attached through the dispatcher). Futures
 * are completed right where the event is seen, so the first event decides the outcome.
 */
final class PeerEvents implements PeerConnectionObserver {
    private static final Logger log = LoggerFactory.getLogger(PeerEvents.class);

    private final String name;
    private final IceServerWatch servers;
    private final Dispatcher dispatcher;
    private final BooleanSupplier closed;
    private final Consumer<RtcDataChannel> closeLate;
    private final Consumer<RtcDataChannel> opened;
    /** Told of every candidate and server error, so that a wait for candidates can end as soon as it may. */
    private volatile Runnable onServerNews = () -> { };

    final CompletableFuture<Void> gatheringComplete = new CompletableFuture<>();
    final CompletableFuture<Void> connected = new CompletableFuture<>();
    final CompletableFuture<Void> checking = new CompletableFuture<>();
    final CompletableFuture<ConnectionEnd> ended = new CompletableFuture<>();
    final CompletableFuture<RtcDataChannel> incomingChannel = new CompletableFuture<>();
    /** Types of our candidates, to explain a failure. */
    final Set<String> localCandidateTypes = ConcurrentHashMap.newKeySet();
    /** When the connection came up ({@link System#nanoTime()}); 0 until then. */
    volatile long connectedNanos;

    /**
     * @param closed    whether the peer is closed (a channel the remote opens then is closed at once)
     * @param opened    told of each channel the remote opens, before anyone can see it
     * @param closeLate closes a channel the remote opened while the peer was closing (on the dispatcher)
     */
    PeerEvents(String name, IceServerWatch servers, Dispatcher dispatcher, BooleanSupplier closed,
               Consumer<RtcDataChannel> opened, Consumer<RtcDataChannel> closeLate) {
        this.name = name;
        this.servers = servers;
        this.dispatcher = dispatcher;
        this.closed = closed;
        this.opened = opened;
        this.closeLate = closeLate;
    }

    void onServerNews(Runnable listener) {
        this.onServerNews = listener;
    }

    @Override
    public void onIceCandidate(RTCIceCandidate candidate) {
        // Candidates reach the other side inside the complete SDP, not one by one.
        servers.candidate(candidate.serverUrl);
        String type = IceStats.candidateType(candidate.sdp);
        if (type != null) {
            localCandidateTypes.add(type);
        }
        log.debug("{}: candidate {}{}", name, candidate.sdp,
                candidate.serverUrl == null || candidate.serverUrl.isEmpty() ? "" : " from " + candidate.serverUrl);
        onServerNews.run();
    }

    @Override
    public void onIceCandidateError(RTCPeerConnectionIceErrorEvent event) {
        String what = servers.error(event.getUrl(), event.getErrorCode(), event.getErrorText());
        // A wrong TURN password is worth a warning at once: without the relay the connection may fail later.
        if (what != null) {
            log.warn("{}: {}", name, what);
        } else {
            log.debug("{}: {} error {} {}", name, event.getUrl(), event.getErrorCode(), event.getErrorText());
        }
        onServerNews.run();
    }

    @Override
    public void onIceGatheringChange(RTCIceGatheringState state) {
        log.debug("{}: ICE gathering {}", name, state);
        if (state == RTCIceGatheringState.COMPLETE) {
            gatheringComplete.complete(null);
        }
    }

    @Override
    public void onConnectionChange(RTCPeerConnectionState state) {
        log.debug("{}: connection {}", name, state);
        switch (state) {
            case CONNECTING -> checking.complete(null);
            case CONNECTED -> {
                connectedNanos = System.nanoTime();
                checking.complete(null);
                connected.complete(null);
            }
            case DISCONNECTED -> {
                // Before connecting this is transient; afterwards the caller wants to know.
                if (connected.isDone() && !connected.isCompletedExceptionally()) {
                    ended.complete(ConnectionEnd.DISCONNECTED);
                }
            }
            case FAILED -> end(ConnectionEnd.FAILED, "failed (ICE/DTLS found no working path to the other peer)");
            case CLOSED -> end(ConnectionEnd.CLOSED, "was closed");
            default -> { }
        }
    }

    /** Fails connected() unless it already succeeded, and ends the connection. */
    private void end(ConnectionEnd reason, String what) {
        connected.completeExceptionally(new RtcException(name + " " + what + " before it connected"));
        ended.complete(reason);
    }

    @Override
    public void onDataChannel(RTCDataChannel dataChannel) {
        // Wrapped right here so its observer is registered before any message can be missed.
        RtcDataChannel channel = new RtcDataChannel(dataChannel, name, dispatcher);
        log.debug("{}: remote opened data channel '{}'", name, channel.label());
        opened.accept(channel);
        if (closed.getAsBoolean()) {
            // Closing calls into WebRTC, which must not happen on this thread.
            dispatcher.execute(() -> closeLate.accept(channel));
            return;
        }
        incomingChannel.complete(channel);
    }

    /** Fails or ends whatever is still pending, for a peer being closed. */
    void closed(RtcException failure) {
        gatheringComplete.completeExceptionally(failure);
        connected.completeExceptionally(new RtcException(name + " was closed before it connected"));
        incomingChannel.completeExceptionally(new RtcException(name + " was closed before the remote opened a data channel"));
        ended.complete(ConnectionEnd.CLOSED);
    }
}
