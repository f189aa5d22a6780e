package dev.dhtsignal.signal;

import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.transfer.PeerSession;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One offer/answer exchange over a {@link SignalBoard}: the offer under the name "offer", the answer under
 * "answer", both in their compact sealed form ({@link CompactEnvelope}). Prints the original peers' lines.
 *
 * <p>Lookups on a large DHT take seconds, so the waits poll with a pause between looks, every step has its
 * own limit, and a progress line goes to {@code progress} while waiting. Stale values are never used: an
 * offer carries a fresh id and an expiry; an answer counts only if it names our offer's id; an answerer
 * skips offers it has already tried.
 */
public final class BoardExchange {
    private static final Logger log = LoggerFactory.getLogger(BoardExchange.class);
    static final String OFFER = "offer";
    static final String ANSWER = "answer";
    private static final int STORE_ATTEMPTS = 2;
    /** How long {@link #withdraw()} waits for the clearing write: within the stop limit of a program being stopped. */
    private static final Duration CLEAR_LIMIT = Duration.ofMillis(2_500);

    private final SignalBoard board;
    private final BoardOptions options;
    private final RtcFactory rtc;
    private final Transcript out;
    private final Consumer<String> progress;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Set<String> triedOffers = new HashSet<>();
    /** The name of the value we stored and have not started clearing yet; null when none. */
    private String published;  // guarded by this
    private CompletableFuture<Void> clearing = CompletableFuture.completedFuture(null);  // guarded by this

    public BoardExchange(SignalBoard board, BoardOptions options, RtcFactory rtc, Transcript out,
                         Consumer<String> progress, Clock clock) {
        this.board = board;
        this.options = options;
        this.rtc = rtc;
        this.out = out;
        this.progress = progress;
        this.clock = clock;
    }

    /** The offering side, up to the greetings. */
    public Connection offer() {
        RtcPeer peer = rtc.createPeer(options.rtcConfig());
        try {
            RtcDataChannel channel = peer.createDataChannel(options.label());
            Inbox inbox = Inbox.of(channel);
            CompletableFuture<SessionDescription> offerSdp = peer.createOffer();
            // The seal keys take a moment (PBKDF2); derive them while ICE candidates gather.
            SharedSecret.SealKeys keys = options.secret().sealKeys(SealedBox.newSalt());
            byte[] offerId = new byte[CompactEnvelope.OFFER_ID_LENGTH];
            random.nextBytes(offerId);
            Instant now = clock.instant();
            long deadline = System.nanoTime() + options.timeout().toNanos();
            CompactEnvelope offer = new CompactEnvelope(offerId, now, Optional.of(now.plus(options.timeout())),
                    CompactSdp.parse(Waits.await(offerSdp, options.rtcConfig().iceGatheringTimeout(),
                            "our offer (ICE candidate gathering)")));
            byte[] sealed = offer.seal(SealedBox.Kind.OFFER, keys, board.keyOf(OFFER), board.maxValueBytes());
            store(OFFER, sealed, "the offer");
            published(OFFER);
            out.line("Offer SDP stored in DHT.");
            out.line("Waiting for Answer SDP in DHT...");
            CompactEnvelope answer = poll(ANSWER, deadline, "the answer", box -> {
                CompactEnvelope a = CompactEnvelope.open(box, SealedBox.Kind.ANSWER, keys, board.keyOf(ANSWER));
                if (!Arrays.equals(a.offerId(), offerId)) {
                    throw new IllegalArgumentException("an answer to another offer (" + a.offerIdHex().substring(0, 8) + ")");
                }
                return a;
            });
            // Both ends of a Mainline exchange are this program: the 'peer' channel (chat with acknowledgements,
            // files) is always there, opened before the connection as on the other network.
            PeerSession session = PeerSession.open(peer);
            Waits.await(peer.acceptAnswer(answer.sdp().toSdp()), options.connectTimeout(), "applying the answer");
            out.line("Remote description set. WebRTC connection established.");
            Waits.await(channel.opened(), options.connectTimeout(),
                    "the data channel '" + options.label() + "' to open (ICE and DTLS with the answerer)");
            out.line("Data channel '" + options.label() + "' is open");
            channel.send(options.greeting());
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the answerer's greeting on '" + options.label() + "'");
            out.line("Received message from Peer B: " + greeting.text());
            if (options.secret().isReusable()) {
                // Used: cleared in the background, so that the next answerer with the same code does not take it.
                clear();
            } else {
                published(null);  // under this exchange's own keys: no one else can read it
            }
            return new Connection(peer, channel, inbox, session);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    /**
     * The answering side: waits for an offer, answers it, connects and swaps greetings. An offer whose
     * offerer has gone (the connection does not come up) is skipped and the wait goes on.
     */
    public Connection answer() {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        out.line("Waiting for Offer SDP in DHT...");
        while (true) {
            SharedSecret.SealKeys[] keys = new SharedSecret.SealKeys[1];
            CompactEnvelope offer = poll(OFFER, deadline, "an offer", box -> {
                SharedSecret.SealKeys k = options.secret().sealKeys(SealedBox.saltOf(box, SealedBox.Kind.OFFER));
                CompactEnvelope o = CompactEnvelope.open(box, SealedBox.Kind.OFFER, k, board.keyOf(OFFER));
                String notLive = o.notLiveBecause(clock.instant());
                if (notLive != null) {
                    throw new IllegalArgumentException("offer " + o.offerIdHex().substring(0, 8) + " is not live: " + notLive);
                }
                if (triedOffers.contains(o.offerIdHex())) {
                    throw new IllegalArgumentException("the offer already answered (" + o.offerIdHex().substring(0, 8) + ")");
                }
                keys[0] = k;
                return o;
            });
            triedOffers.add(offer.offerIdHex());
            try {
                return answer(offer, keys[0]);
            } catch (SignalingException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                progress.accept("offer " + offer.offerIdHex().substring(0, 8) + " did not work out (" + e.getMessage()
                        + "); waiting for another");
            }
        }
    }

    private Connection answer(CompactEnvelope offer, SharedSecret.SealKeys keys) {
        RtcPeer peer = rtc.createPeer(options.rtcConfig());
        try {
            PeerSession session = PeerSession.open(peer);
            SessionDescription answerSdp = Waits.await(peer.acceptOffer(offer.sdp().toSdp()), options.connectTimeout(),
                    "our answer (ICE candidate gathering)");
            out.line("Remote description set. Creating Answer SDP...");
            CompactEnvelope answer = new CompactEnvelope(offer.offerId(), clock.instant(), Optional.empty(),
                    CompactSdp.parse(answerSdp));
            byte[] sealed = answer.seal(SealedBox.Kind.ANSWER, keys, board.keyOf(ANSWER), board.maxValueBytes());
            store(ANSWER, sealed, "the answer");
            published(ANSWER);
            out.line("Answer SDP stored in DHT.");
            Waits.await(peer.connected(), options.connectTimeout(), "the WebRTC connection to the offerer (ICE and DTLS)");
            out.line("WebRTC connection established.");
            RtcDataChannel channel = Waits.await(peer.incomingDataChannel(), options.connectTimeout(),
                    "the offerer to open its data channel");
            Inbox inbox = Inbox.of(channel);
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the offerer's greeting on '" + channel.label() + "'");
            out.line("Received message on '" + channel.label() + "': " + greeting.text());
            out.line("Data channel '" + channel.label() + "' is open");
            channel.send(options.greeting());
            return new Connection(peer, channel, inbox, session);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    /**
     * Clears what this exchange stored and has not cleared yet (our offer, or our answer), and waits for
     * that and any clearing under way, at most 2.5 s: for a program being stopped
     * (an offer left behind would send the next answerer to a peer that is gone), and at a program's end.
     */
    public void withdraw() {
        try {
            Waits.await(clear(), CLEAR_LIMIT, "clearing our value from the DHT");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }

    private synchronized void published(String name) {
        published = name;
    }

    /** Starts clearing the value we stored (an empty value is "none" to every reader); returns all clearing so far. */
    private synchronized CompletableFuture<Void> clear() {
        String name = published;
        published = null;
        if (name != null) {
            CompletableFuture<Void> cleared = board.put(name, new byte[0]).exceptionally(e -> {
                log.debug("clearing the {} on {} failed: {}", name, board.describe(name), e.toString());
                return null;
            });
            clearing = CompletableFuture.allOf(clearing, cleared);
        }
        return clearing;
    }

    /**
     * Puts a value, once more if no node took it (a lookup on a large network can miss the closest nodes
     * or find them all busy); each try has the step limit.
     */
    private void store(String name, byte[] value, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                Waits.await(board.put(name, value), options.stepLimit(), "storing " + what + " on " + board.describe(name));
                return;
            } catch (SignalingException e) {
                if (attempt == STORE_ATTEMPTS) {
                    throw e;
                }
                progress.accept(e.getMessage() + "; trying again");
            }
        }
    }

    /** How a polled value is read: returns it, or throws saying why it is not the one awaited. */
    private interface Reader {
        CompactEnvelope read(byte[] box) throws SealedBox.SealException;
    }

    /** Looks at {@code name} until {@code reader} accepts what is there, or the deadline passes. */
    private CompactEnvelope poll(String name, long deadline, String what, Reader reader) {
        long start = System.nanoTime();
        long nextProgress = start + options.progressEvery().toNanos();
        int looks = 0;
        byte[] lastRefused = null;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SignalingException("gave up waiting for " + what + " on " + board.describe(name) + " after "
                        + Waits.seconds(options.timeout()) + " (" + looks + " looks)");
            }
            Duration limit = Duration.ofNanos(Math.min(left, options.stepLimit().toNanos()));
            Optional<byte[]> value;
            try {
                value = Waits.await(board.get(name), limit, "reading " + board.describe(name));
            } catch (SignalingException e) {
                log.debug("{}; looking again", e.getMessage());
                value = Optional.empty();
            }
            looks++;
            if (value.isPresent() && value.get().length > 0 && !Arrays.equals(value.get(), lastRefused)) {
                try {
                    return reader.read(value.get());
                } catch (SealedBox.SealException | IllegalArgumentException e) {
                    lastRefused = value.get();
                    log.info("refused a value under {}: {}", board.describe(name), e.getMessage());
                }
            }
            long now = System.nanoTime();
            if (now >= nextProgress) {
                progress.accept("still waiting for " + what + " on " + board.describe(name) + ": "
                        + Waits.seconds(Duration.ofNanos(now - start)) + " of " + Waits.seconds(options.timeout())
                        + ", " + looks + " looks");
                nextProgress = now + options.progressEvery().toNanos();
            }
            sleep(Math.min(options.pollPause().toNanos(), Math.max(0, deadline - System.nanoTime())));
        }
    }

    private static void sleep(long nanos) {
        try {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while waiting");
        }
    }
}
