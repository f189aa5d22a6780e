package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.signal.board.Network;
import dev.dhtsignal.signal.board.NetworkSettings;
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

    private PeerRuntime(RtcFactory rtc, Network network, ScheduledExecutorService timer, long webrtcReadyMillis,
                        long dhtJoinedMillis, PreparedOffer preparedOffer) {
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
     * Joins the network, loads WebRTC and derives the secret's keys, all at once.
     *
     * @param secret a long code's or --secret's keys, derived meanwhile (PBKDF2 takes a moment); null for none
     * @param offering for an offerer: its connection and offer are started as soon as WebRTC is up, so that
     *                 gathering the offer's candidates overlaps joining the DHT ({@link #preparedOffer()})
     * @throws SignalingException when the DHT cannot be joined or WebRTC cannot load, saying which
     */
    public static PeerRuntime start(NetworkSettings settings, SignalingOptions options, SharedSecret secret,
                                    boolean offering, String name) {
        CompletableFuture<Network> joined = new CompletableFuture<>();
        long[] joinedMillis = new long[1]; // written before joined completes, read after
        daemon(name + "-join", () -> {
            try {
                Network network = settings.join(name + "-dht");
                joinedMillis[0] = System.currentTimeMillis();
                joined.complete(network);
            } catch (RuntimeException e) {
                joined.completeExceptionally(e);
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
        if (offering) {
            try {
                offer = PreparedOffer.start(rtc, options);
            } catch (RuntimeException e) {
                // Left for the offerer to meet again when it makes its offer, and report there.
            }
        }
        try {
            prepared.join();
            Network network = joined.join();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name + "-poll");
                t.setDaemon(true);
                return t;
            });
            return new PeerRuntime(rtc, network, timer, webrtcMillis, joinedMillis[0], offer);
        } catch (CompletionException e) {
            if (offer != null) {
                offer.peer().close();
            }
            rtc.close();
            joined.thenAccept(Network::close);
            throw e.getCause() instanceof SignalingException s ? s : new SignalingException(e.getCause().getMessage(), e.getCause());
        }
    }

    private static void daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
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
