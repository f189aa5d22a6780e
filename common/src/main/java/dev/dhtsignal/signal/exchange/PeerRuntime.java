package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.NetworkSettings;
import dev.dhtsignal.signal.board.NodeIceServers;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a peer program runs on, whichever network: the WebRTC factory, the DHT joined, and a timer for
 * polling. They start in parallel (loading WebRTC's native library and joining the DHT both take a
 * moment) and close in reverse order.
 */
public final class PeerRuntime implements AutoCloseable {
    private final RtcFactory rtc;
    private final Network network;
    private final ScheduledExecutorService timer;
    private final long webrtcReadyMillis;
    private final long dhtJoinedMillis;
    private final PreparedOffer preparedOffer;
    private final SignalingOptions options;

    private PeerRuntime(RtcFactory rtc, Network network, ScheduledExecutorService timer, long webrtcReadyMillis,
                        long dhtJoinedMillis, PreparedOffer preparedOffer, SignalingOptions options) {
        this.options = options;
        this.rtc = rtc;
        this.network = network;
        this.timer = timer;
        this.webrtcReadyMillis = webrtcReadyMillis;
        this.dhtJoinedMillis = dhtJoinedMillis;
        this.preparedOffer = preparedOffer;
    }

    /**
     * Starts, on a thread of its own, what every peer needs first and what needs no options: loading
     * WebRTC's native library and the JSON classes. A program calls this before parsing its options, which
     * takes a while of its own, so both happen at once. Later steps wait for whatever is not done yet.
     */
    public static void preload(String name) {
        Thread preloading = new Thread(() -> {
            try {
                RtcFactory.preloadNativeLibrary();
                SignalMessage.warmUp();
            } catch (RuntimeException | LinkageError e) {
                // Left for the step that needs it to meet again and report, as it would without preloading.
            }
        }, name + "-preload");
        preloading.setDaemon(true);
        preloading.start();
    }

    /**
     * Joins the network, loads WebRTC and derives the secret's keys, all at once; beside the join, asks the
     * node joined through for ICE servers ({@link NodeIceServers}, {@link PeerIceServers}).
     *
     * @param secret a long code's or --secret's keys, derived meanwhile (PBKDF2 takes a moment); null for none
     * @param offering for an offerer: its connection and offer are started as soon as WebRTC is up and the
     *                 node's ICE servers are known, so that gathering the offer's candidates overlaps the rest
     *                 of joining the DHT ({@link #preparedOffer()})
     * @throws SignalingException when the DHT cannot be joined or WebRTC cannot load, saying which
     */
    public static PeerRuntime start(NetworkSettings settings, SignalingOptions options, SharedSecret secret,
                                    boolean offering, String name) {
        CompletableFuture<Network> joined = new CompletableFuture<>();
        long[] joinedMillis = new long[1]; // written before joined completes, read after
        NodeIceServers nodeServers = new NodeIceServers();
        SignalingOptions withServers = options.withIceSource(
                new PeerIceServers(options.iceServers(), options.iceDefaults(), nodeServers, Clock.systemUTC()));
        daemon(name + "-join", () -> {
            try {
                Network network = settings.join(name + "-dht", nodeServers);
                joinedMillis[0] = System.currentTimeMillis();
                joined.complete(network);
            } catch (RuntimeException e) {
                joined.completeExceptionally(e);
            } finally {
                nodeServers.joinEnded();  // also when joining failed before the node was asked
            }
        });
        // Also in parallel: the slow first steps of the round itself (key derivation, JSON class loading).
        CompletableFuture<Void> prepared = new CompletableFuture<>();
        daemon(name + "-prepare", () -> {
            try {
                if (secret != null) {
                    secret.prepare();
                }
                SignalMessage.warmUp();
                prepared.complete(null);
            } catch (RuntimeException e) {
                prepared.completeExceptionally(e);
            }
        });
        RtcFactory rtc;
        try {
            rtc = new RtcFactory();
        } catch (RuntimeException e) {
            joined.thenAccept(Network::close);
            throw new SignalingException("WebRTC could not start: " + e.getMessage(), e);
        }
        long webrtcMillis = System.currentTimeMillis();
        PreparedOffer offer = null;
        // Settled once the node has replied, or joining is over: never later than the join (but for a
        // request asked again, a round trip or two), so waiting here costs nothing that joining does not.
        nodeServers.settled().join();
        if (offering) {
            try {
                offer = PreparedOffer.start(rtc, withServers);
            } catch (RuntimeException e) {
                // Left for the offerer to meet again when it makes its offer, and report there.
            }
        }
        try {
            prepared.join();
            Network network = joined.join();
            try {
                withServers.rtcConfig();
            } catch (IllegalArgumentException e) {
                // Relay-only ICE with no TURN server given, and none from the node either.
                throw new SignalingException("--ice-transport relay: no TURN server: none was given (--ice-server "
                        + "turn:HOST:PORT,username=U,credential=P) and " + network.where() + " offers none");
            }
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name + "-poll");
                t.setDaemon(true);
                return t;
            });
            return new PeerRuntime(rtc, network, timer, webrtcMillis, joinedMillis[0], offer, withServers);
        } catch (CompletionException | SignalingException e) {
            if (offer != null) {
                offer.peer().close();
            }
            rtc.close();
            joined.thenAccept(Network::close);
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw cause instanceof SignalingException s ? s : new SignalingException(cause.getMessage(), cause);
        }
    }

    private static void daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * The options the runtime was started with, each connection getting the ICE servers of its moment: those
     * given, the node's STUN and TURN servers, the defaults ({@link PeerIceServers}).
     */
    public SignalingOptions options() {
        return options;
    }

    public RtcFactory rtc() {
        return rtc;
    }

    public Network network() {
        return network;
    }

    /**
     * The offer started with the runtime; null for a runtime started otherwise, or when making it failed
     * (the offerer then tries again and reports why).
     */
    public PreparedOffer preparedOffer() {
        return preparedOffer;
    }

    public ScheduledExecutorService timer() {
        return timer;
    }

    /** When WebRTC had started (Unix milliseconds), for {@code --report-timing}. */
    public long webrtcReadyMillis() {
        return webrtcReadyMillis;
    }

    /** When the DHT had been joined (Unix milliseconds), for {@code --report-timing}. */
    public long dhtJoinedMillis() {
        return dhtJoinedMillis;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        rtc.close();
        network.close();
    }
}
