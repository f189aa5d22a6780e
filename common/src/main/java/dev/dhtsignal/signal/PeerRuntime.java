package dev.dhtsignal.signal;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.rtc.RtcFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a peer program runs on: the WebRTC factory, a client node in the DHT, and a timer for polling.
 * They start in parallel (loading WebRTC's native library and joining the DHT both take a moment) and
 * close in reverse order.
 */
public final class PeerRuntime implements AutoCloseable {
    private final RtcFactory rtc;
    private final KademliaNode dht;
    private final ScheduledExecutorService timer;
    private final long webrtcReadyMillis;
    private final long dhtJoinedMillis;
    private final PreparedOffer preparedOffer;

    private PeerRuntime(RtcFactory rtc, KademliaNode dht, ScheduledExecutorService timer, long webrtcReadyMillis,
            long dhtJoinedMillis, PreparedOffer preparedOffer) {
        this.rtc = rtc;
        this.dht = dht;
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
     * @throws SignalingException when the DHT cannot be joined or WebRTC cannot load, saying which
     */
    public static PeerRuntime start(SignalingOptions options, String name) {
        return start(options, name, false);
    }

    /**
     * As {@link #start(SignalingOptions, String)}, for an offerer: its connection and offer are started as
     * soon as WebRTC is up, so that gathering the offer's candidates overlaps joining the DHT
     * ({@link #preparedOffer()}).
     */
    public static PeerRuntime startOffering(SignalingOptions options, String name) {
        return start(options, name, true);
    }

    private static PeerRuntime start(SignalingOptions options, String name, boolean offering) {
        CompletableFuture<KademliaNode> dht = new CompletableFuture<>();
        long[] joinedMillis = new long[1]; // written before dht completes, read after
        Thread joining = new Thread(() -> {
            try {
                KademliaNode node = DhtAccess.join(options, name + "-dht");
                joinedMillis[0] = System.currentTimeMillis();
                dht.complete(node);
            } catch (RuntimeException e) {
                dht.completeExceptionally(e);
            }
        }, name + "-join");
        joining.setDaemon(true);
        joining.start();
        // Also in parallel: the slow first steps of the round itself (key derivation, JSON class loading).
        CompletableFuture<Void> prepared = new CompletableFuture<>();
        Thread preparing = new Thread(() -> {
            try {
                options.rendezvous().prepare();
                SignalMessage.warmUp();
                prepared.complete(null);
            } catch (RuntimeException e) {
                prepared.completeExceptionally(e);
            }
        }, name + "-prepare");
        preparing.setDaemon(true);
        preparing.start();
        RtcFactory rtc;
        try {
            rtc = new RtcFactory();
        } catch (RuntimeException e) {
            dht.thenAccept(KademliaNode::close);
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
            KademliaNode node = dht.join();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name + "-poll");
                t.setDaemon(true);
                return t;
            });
            return new PeerRuntime(rtc, node, timer, webrtcMillis, joinedMillis[0], offer);
        } catch (java.util.concurrent.CompletionException e) {
            rtc.close();
            dht.thenAccept(KademliaNode::close);
            throw e.getCause() instanceof SignalingException s ? s : new SignalingException(e.getCause().getMessage(), e.getCause());
        }
    }

    public RtcFactory rtc() {
        return rtc;
    }

    public KademliaNode dht() {
        return dht;
    }

    /**
     * The offer started with the runtime ({@link #startOffering}); null for a runtime started otherwise, or
     * when making it failed (the offerer then tries again and reports why).
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
        dht.close();
    }
}
