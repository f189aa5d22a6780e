package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebRTC peer connection, driven with whole (non-trickle) session descriptions.
 *
 * <p>Offering side: {@link #createDataChannel(String)} (at least one, before the offer, so the
 * offer includes a data section), {@link #createOffer()}, send the offer, receive the answer,
 * {@link #acceptAnswer(SessionDescription)}. Answering side:
 * {@link #acceptOffer(SessionDescription)}, send the answer, then
 * {@link #incomingDataChannel()}. Both sides may wait for {@link #connected()}.
 *
 * <p>Every operation returns a future that fails (never just logs) when WebRTC reports an
 * error; the exception message carries the native error text. Futures complete on the
 * factory's worker threads, never on the native WebRTC thread. All methods are thread-safe.
 * Renegotiation is not supported: one offer/answer exchange per peer.
 */
public final class RtcPeer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtcPeer.class);

    private final String name;
    private final RtcConfig config;
    private final Dispatcher dispatcher;
    private final Consumer<RtcPeer> onClose;
    private final RTCPeerConnection connection;
    private final IceServerWatch serverWatch;
    /** What WebRTC reported: gathering, candidates, connection state, channels opened by the remote. */
    private final PeerEvents events;
    private final GatheringWait gathering;
    /** Types of the other side's candidates (from its description), to explain a failure. */
    private final Set<String> remoteCandidateTypes = ConcurrentHashMap.newKeySet();
    /** When the remote description was given to WebRTC (ICE checks can start); 0 until then. */
    private volatile long remoteDescriptionNanos;

    /**
     * Held around every call into the native peer connection, so none runs during or after
     * close (webrtc-java frees the native handle in close and later calls throw). Native
     * callbacks never take it: the native thread must never wait for a Java lock.
     */
    private final Object nativeLock = new Object();
    private volatile boolean closed; // written under nativeLock, read anywhere
    private boolean connectionClosed; // guarded by nativeLock

    /** Channels to close with the peer: those created here and those the remote opened. */
    private final Set<RtcDataChannel> channels = ConcurrentHashMap.newKeySet();
    /** Native operations whose callback has not come yet; failed on close so nobody waits forever. */
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

    RtcPeer(String name, PeerConnectionFactory factory, RtcConfig config, Dispatcher dispatcher,
            Consumer<RtcPeer> onClose) {
        this.name = name;
        this.config = config;
        this.dispatcher = dispatcher;
        this.onClose = onClose;
        this.serverWatch = new IceServerWatch(config.iceServers());
        this.events = new PeerEvents(name, serverWatch, dispatcher, () -> closed, channels::add, this::closeLateChannel);
        this.gathering = new GatheringWait(name, serverWatch, config, dispatcher, events.gatheringComplete);
        events.onServerNews(gathering::recheck);
        RTCPeerConnection created;
        try {
            created = factory.createPeerConnection(config.toNative(), events);
        } catch (RuntimeException | Error e) {
            throw new RtcException(name + ": WebRTC could not create a peer connection: " + e.getMessage(), e);
        }
        if (created == null) {
            throw new RtcException(name + ": WebRTC could not create a peer connection (check the ICE servers "
                    + config.iceServers() + ")");
        }
        this.connection = created;
    }

    /**
     * Creates the offer, applies it locally and waits until ICE gathering is complete, so the
     * returned description already lists every candidate.
     */
    public CompletableFuture<SessionDescription> createOffer() {
        return createDescription(true)
                .thenCompose(this::setLocalDescription)
                .thenCompose(ignored -> awaitGathering())
                .thenApply(ignored -> currentLocalDescription());
    }

    /**
     * Applies the remote {@code offer}, creates the answer, applies it locally and waits until
     * ICE gathering is complete; the returned answer lists every candidate.
     */
    public CompletableFuture<SessionDescription> acceptOffer(SessionDescription offer) {
        Objects.requireNonNull(offer, "offer");
        if (!offer.isOffer()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    name + ": acceptOffer needs an offer but was given an " + offer.type()));
        }
        return setRemoteDescription(offer)
                .thenCompose(ignored -> createDescription(false))
                .thenCompose(this::setLocalDescription)
                .thenCompose(ignored -> awaitGathering())
                .thenApply(ignored -> currentLocalDescription());
    }

    /** Applies the remote {@code answer} to the offer made by {@link #createOffer()}. */
    public CompletableFuture<Void> acceptAnswer(SessionDescription answer) {
        Objects.requireNonNull(answer, "answer");
        if (answer.isOffer()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    name + ": acceptAnswer needs an answer but was given an offer"));
        }
        return setRemoteDescription(answer);
    }

    /**
     * Opens an ordered, reliable data channel. On the offering side call it before
     * {@link #createOffer()}: the offer only includes a data section if a channel exists.
     *
     * @throws IllegalStateException if the peer is closed
     */
    public RtcDataChannel createDataChannel(String label) {
        // The defaults are what we want: ordered, unlimited retransmits and lifetime (reliable).
        return createChannel(label, new RTCDataChannelInit());
    }

    /**
     * Opens an ordered, reliable data channel that both sides create themselves with the same
     * {@code id} ({@code negotiated: true} in the browser API). No open message goes to the remote
     * side, so a peer that does not create it never sees it. May be called before or after the
     * descriptions are exchanged; it opens when the connection's SCTP transport is up.
     *
     * @throws IllegalStateException if the peer is closed
     */
    public RtcDataChannel createNegotiatedDataChannel(String label, int id) {
        RTCDataChannelInit init = new RTCDataChannelInit();
        init.negotiated = true;
        init.id = id;
        return createChannel(label, init);
    }

    private RtcDataChannel createChannel(String label, RTCDataChannelInit init) {
        Objects.requireNonNull(label, "label");
        synchronized (nativeLock) {
            requireOpen("create a data channel");
            RTCDataChannel created = connection.createDataChannel(label, init);
            if (created == null) {
                throw new RtcException(name + ": WebRTC could not create data channel '" + label + "'");
            }
            RtcDataChannel channel = new RtcDataChannel(created, name, dispatcher);
            channels.add(channel);
            return channel;
        }
    }

    /** Completes with the first data channel the remote peer opens. */
    public CompletableFuture<RtcDataChannel> incomingDataChannel() {
        return dispatcher.async(events.incomingChannel);
    }

    /**
     * Completes when the connection is established. Fails if it fails or is closed first; a
     * temporary disconnect before connecting leaves it pending (WebRTC may still connect).
     */
    public CompletableFuture<Void> connected() {
        return dispatcher.async(events.connected);
    }

    /**
     * Completes when ICE starts checking paths to the other peer. An offerer still waiting for the answer
     * sees this when the answerer's first connectivity checks arrive: the answerer has read our offer and
     * made its answer, which is about to appear in the DHT. Never fails; stays pending if the peer
     * closes first.
     */
    public CompletableFuture<Void> checking() {
        return dispatcher.async(events.checking);
    }

    /**
     * Completes when the connection stops working: on failure or close at any time, or on
     * disconnect after having connected.
     */
    public CompletableFuture<ConnectionEnd> ended() {
        return dispatcher.async(events.ended);
    }

    /**
     * The candidate pair in use, from WebRTC's statistics: which kind of path (host, srflx, prflx,
     * relay) carries the data. Fails if ICE has not selected a pair (not connected yet, or failed).
     */
    public CompletableFuture<IcePath> selectedPath() {
        return stats().thenApply(report -> IceStats.selectedPath(report).orElseThrow(
                () -> new RtcException(name + ": ICE has not selected a candidate pair")));
    }

    /**
     * How long ICE and DTLS took: from applying the remote description (when connectivity checks can
     * start) until the connection was up. Empty until connected.
     */
    public Optional<Duration> timeToConnect() {
        long from = remoteDescriptionNanos;
        long to = events.connectedNanos;
        return from == 0 || to == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, to - from)));
    }

    /**
     * What went wrong with the STUN/TURN servers so far, in words naming each server: errors they
     * answered with (a wrong TURN password is a 401) and silence until the gathering limit. Each is
     * also logged as a warning when it happens.
     */
    public List<String> iceServerProblems() {
        List<String> all = new ArrayList<>(serverWatch.errors());
        all.addAll(gathering.silentServers());
        return all;
    }

    /**
     * Why no path to the other peer works, for a person: the candidates and pairs tried, what the
     * STUN/TURN servers said, and what would likely help (for example a TURN server).
     */
    public CompletableFuture<String> whyNotConnected() {
        return stats().thenApply(report -> IceStats.whyNoPath(report, events.localCandidateTypes, remoteCandidateTypes,
                serverWatch.errors(), serverWatch.haveTurn(), config.withoutRelayAdvice()));
    }

    /**
     * As {@link #whyNotConnected()}, naming the other peer ({@code them}: "the offerer"), and saying it is
     * probably gone when nothing of it ever reached us: no connectivity check, no answer to ours. Such
     * evidence is looked for now and at every {@link #lookForThePeer()} since, as WebRTC drops failed
     * pairs (and their counters) from its statistics.
     */
    public CompletableFuture<String> whyNotConnected(String them) {
        return stats().thenApply(report -> {
            if (IceStats.heardFromPeer(report)) {
                heardFromPeer = true;
            }
            return IceStats.whyNoPath(report, events.localCandidateTypes, remoteCandidateTypes, serverWatch.errors(),
                    serverWatch.haveTurn(), config.withoutRelayAdvice(), heardFromPeer, them);
        });
    }

    /** Looks at the statistics for a sign of the other peer (see {@link #whyNotConnected(String)}); never fails. */
    public void lookForThePeer() {
        if (heardFromPeer || closed) {
            return;
        }
        stats().thenAccept(report -> {
            if (IceStats.heardFromPeer(report)) {
                heardFromPeer = true;
            }
        }).exceptionally(e -> null);
    }

    /** Whether a connectivity check of the other peer, or an answer to ours, was ever seen. */
    private volatile boolean heardFromPeer;

    /**
     * Closes the data channels and the peer connection, and fails whatever is still pending.
     * Idempotent; may be called from any thread, including from future continuations.
     */
    @Override
    public void close() {
        synchronized (nativeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        log.debug("{}: closing", name);
        // `closed` is set before this snapshot, so a channel the remote opens meanwhile is
        // either in it or closed by the callback that sees `closed`.
        List.copyOf(channels).forEach(RtcDataChannel::close);
        synchronized (nativeLock) {
            try {
                connection.close();
            } catch (RuntimeException | Error e) {
                log.warn("{}: error while closing the peer connection", name, e);
            }
            connectionClosed = true;
        }
        RtcException closedFailure = new RtcException(name + " was closed");
        List.copyOf(inFlight).forEach(operation -> operation.completeExceptionally(closedFailure));
        events.closed(closedFailure);
        onClose.accept(this);
    }

    /**
     * A channel the remote opened while this peer was closing, after the snapshot {@link #close()} took. While
     * the connection is open it is closed as any other; once the connection is closed, which frees the
     * channels' native side with it, it is only marked closed: calling into it then crashed the JVM (SIGSEGV
     * in unregisterObserver, seen once in a test run).
     */
    private void closeLateChannel(RtcDataChannel channel) {
        synchronized (nativeLock) {
            if (connectionClosed) {
                channel.forget();
            } else {
                channel.close();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private CompletableFuture<RTCSessionDescription> createDescription(boolean offer) {
        String operation = offer ? "createOffer" : "createAnswer";
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        CreateSessionDescriptionObserver observer = new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                result.complete(description);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new RtcException(name + ": " + operation + " failed: " + error));
            }
        };
        return callNative(operation, result, () -> {
            if (offer) {
                connection.createOffer(new RTCOfferOptions(), observer);
            } else {
                connection.createAnswer(new RTCAnswerOptions(), observer);
            }
        });
    }

    private CompletableFuture<Void> setLocalDescription(RTCSessionDescription description) {
        return setDescription("setLocalDescription(" + description.sdpType + ")",
                observer -> connection.setLocalDescription(description, observer));
    }

    private CompletableFuture<Void> setRemoteDescription(SessionDescription description) {
        remoteCandidateTypes.addAll(IceStats.candidateTypes(description.sdp()));
        remoteDescriptionNanos = System.nanoTime();
        return setDescription("setRemoteDescription(" + description.type() + ")",
                observer -> connection.setRemoteDescription(description.toNative(), observer));
    }

    private CompletableFuture<Void> setDescription(String operation, Consumer<SetSessionDescriptionObserver> call) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        SetSessionDescriptionObserver observer = new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                result.complete(null);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new RtcException(name + ": " + operation + " failed: " + error));
            }
        };
        return callNative(operation, result, () -> call.accept(observer));
    }

    /**
     * Starts an asynchronous native operation whose observer will complete {@code result}, and
     * returns {@code result} as seen from a worker thread. Failures reported synchronously also
     * end up in it: webrtc-java throws some of them, e.g. an unparsable SDP as a plain {@link Error}.
     */
    private <T> CompletableFuture<T> callNative(String operation, CompletableFuture<T> result, Runnable call) {
        inFlight.add(result);
        result.whenComplete((value, failure) -> inFlight.remove(result));
        synchronized (nativeLock) {
            if (closed) {
                result.completeExceptionally(new IllegalStateException(name + " is closed; cannot " + operation));
            } else {
                try {
                    call.run();
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(
                            new RtcException(name + ": " + operation + " failed: " + e.getMessage(), e));
                }
            }
        }
        return dispatcher.async(result);
    }

    private CompletableFuture<RTCStatsReport> stats() {
        CompletableFuture<RTCStatsReport> result = new CompletableFuture<>();
        return callNative("getStats", result, () -> connection.getStats(result::complete));
    }

    /** Completes when the candidates gathered are enough to send ({@link GatheringWait}). */
    private CompletableFuture<Void> awaitGathering() {
        return gathering.start();
    }

    /** The local description as it is now, i.e. with the candidates gathered so far. */
    private SessionDescription currentLocalDescription() {
        RTCSessionDescription description;
        synchronized (nativeLock) {
            requireOpen("read the local description");
            description = connection.getLocalDescription();
        }
        if (description == null) {
            throw new RtcException(name + ": WebRTC has no local description after setting one");
        }
        return SessionDescription.fromNative(description);
    }

    private void requireOpen(String action) {
        if (closed) {
            throw new IllegalStateException(name + " is closed; cannot " + action);
        }
    }
}
