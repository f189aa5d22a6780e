package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the WebRTC layer: owns the native WebRTC stack (one
 * {@link PeerConnectionFactory}) and the Java threads its peers use, and makes
 * {@link RtcPeer}s. Create one per process and close it at the end; closing it closes every peer
 * it made.
 */
public final class RtcFactory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtcFactory.class);
    private static final AtomicInteger FACTORY_IDS = new AtomicInteger();

    private final String name = "rtc-" + FACTORY_IDS.incrementAndGet();
    private final AtomicInteger peerIds = new AtomicInteger();
    private final HeadlessAudioDeviceModule audioModule;
    private final PeerConnectionFactory factory;
    private final Dispatcher dispatcher;
    private final Set<RtcPeer> openPeers = ConcurrentHashMap.newKeySet();
    /** Keeps createPeer and close from overlapping: no peer may be made from a disposed factory. */
    private final Object lock = new Object();
    private boolean closed; // guarded by lock

    /**
     * Loads the native library and starts WebRTC.
     *
     * @throws RtcException if the native library cannot be loaded, saying what to install
     */
    public RtcFactory() {
        // From the per-user cache when it can be: webrtc-java would copy 23 MB out of the jar first.
        WebrtcNativeLibrary.load();
        // webrtc-java's default audio module opens real sound devices and aborts the JVM on
        // machines without them; we only use data channels, so use the headless one.
        HeadlessAudioDeviceModule audio;
        try {
            audio = new HeadlessAudioDeviceModule();
        } catch (LinkageError | RuntimeException e) {
            throw new RtcException(describeLoadFailure(e), e);
        }
        try {
            this.factory = new PeerConnectionFactory(audio);
        } catch (LinkageError | RuntimeException e) {
            audio.dispose();
            throw new RtcException("WebRTC could not start: " + e.getMessage(), e);
        }
        this.audioModule = audio;
        this.dispatcher = new Dispatcher(name);
        log.debug("{}: WebRTC started", name);
    }

    /**
     * Loads WebRTC's native library now, if it is not loaded yet, so that a program can do it while it
     * does other start-up work; the factory's constructor does it otherwise. Failures are left for the
     * constructor to report.
     */
    public static void preloadNativeLibrary() {
        WebrtcNativeLibrary.load();
    }

    /**
     * Makes a new peer connection.
     *
     * @throws IllegalStateException if this factory is closed
     * @throws RtcException          if WebRTC refuses the configuration
     */
    public RtcPeer createPeer(RtcConfig config) {
        Objects.requireNonNull(config, "config");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(name + " is closed; cannot create a peer");
            }
            RtcPeer peer = new RtcPeer(name + "-peer-" + peerIds.incrementAndGet(), factory, config, dispatcher,
                    openPeers::remove);
            openPeers.add(peer);
            return peer;
        }
    }

    /**
     * Closes every peer still open, then shuts WebRTC down and stops this factory's threads.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        log.debug("{}: closing {} open peer(s)", name, openPeers.size());
        List.copyOf(openPeers).forEach(RtcPeer::close);
        // Native objects go last: peers and channels must be released before the factory that
        // made them, and the factory before the audio module it uses. Disposing the factory also
        // stops the native threads, so no callback can arrive after this point.
        try {
            factory.dispose();
            audioModule.dispose();
        } catch (RuntimeException | Error e) {
            log.warn("{}: error while shutting WebRTC down", name, e);
        }
        dispatcher.shutdown();
        log.debug("{}: closed", name);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Explains a failure to load webrtc-java's native library. The usual cause on Linux is the
     * missing PulseAudio client library, which the library links against even though no audio
     * is used.
     */
    static String describeLoadFailure(Throwable failure) {
        StringBuilder causes = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                causes.append(causes.length() == 0 ? "" : ": ").append(t.getMessage());
            }
        }
        return "cannot load the WebRTC native library (webrtc-java): " + causes
                + ". On Debian/Ubuntu install its system dependency with `apt-get install libpulse0` "
                + "(needed even though no audio is used); the library also needs a supported platform "
                + "(linux-x86_64 here)";
    }
}
