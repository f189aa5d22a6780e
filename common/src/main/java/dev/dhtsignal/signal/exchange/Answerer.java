package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.Reading;
import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.transfer.PeerSession;
import dev.dhtsignal.transfer.PeerText;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answering peer, on any {@link SignalBoard}: waits for a live offer in any slot of the session,
 * answers it, connects and swaps greetings. Prints the original answerer's lines. {@link #nextOffer} and
 * {@link #answer} are separate so that {@code --serve} can answer one offer after another, and several at
 * once.
 *
 * <p>An offer is taken only once (by its id, or its exact value for the original offerer's, which have no
 * id), and never after its expiry: an offer left behind by an earlier run is skipped, not answered.
 */
public final class Answerer {
    private static final Logger log = LoggerFactory.getLogger(Answerer.class);
    private static final int REMEMBERED_OFFERS = 4096;

    private final SignalingOptions options;
    private final SignalBoard board;
    private final SignalFormat format;
    private final RtcFactory rtc;
    private final ValueWaiter waiter;
    private final Clock clock;
    /** Offers already taken, by id or raw value; bounded, oldest forgotten first. */
    private final Set<Object> taken = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Object, Boolean> eldest) {
                    return size() > REMEMBERED_OFFERS;
                }
            }));

    /** Connections made, so that a program stopped right after connecting still closes them; weakly held. */
    private final Set<Connection> made = Collections.newSetFromMap(new WeakHashMap<>());

    /** Answers we stored whose offerer has not connected yet. */
    private final Set<BoardName> unread = ConcurrentHashMap.newKeySet();

    /** An offer found in a slot, ready to answer. */
    public record PendingOffer(int slot, SignalFormat.ReceivedOffer offer) {
        public String tag() {
            return OfferIds.shortForm(offer.message().offerId());
        }
    }

    public Answerer(SignalingOptions options, SignalBoard board, RtcFactory rtc, ScheduledExecutorService timer, Clock clock) {
        this.options = options;
        this.board = board;
        this.format = board.format();
        this.rtc = rtc;
        this.clock = clock;
        this.waiter = new ValueWaiter(board, timer, options.pace().firstPause(), options.pace().longestPause());
    }

    /** Values seen and refused so far (forged, stale, for another offer...), each with the reason. */
    public List<String> refusals() {
        return waiter.refusals();
    }

    /**
     * Answers offers until one connects or {@code options.timeout()} runs out. An offer can look live and
     * still have no one behind it (its offerer was killed); then the next offer gets its turn.
     *
     * @param note where to say that an offer did not work out
     * @throws SignalingException when no offer came in time, or the last one failed at the deadline
     */
    public Connection connectToFirstWorkingOffer(Transcript out, Consumer<String> note) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            PendingOffer offer = nextOffer(left);
            try {
                return answer(offer, out);
            } catch (SignalingException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                note.accept("offer " + offer.tag() + " did not work out (" + e.getMessage() + "); waiting for another");
            }
        }
    }

    /**
     * Waits up to {@code limit} for a live offer not taken before, and takes it.
     *
     * @throws SignalingException naming the slots and the network when none comes in time
     */
    public PendingOffer nextOffer(Duration limit) {
        List<BoardName> names = IntStream.range(0, options.slots()).mapToObj(i -> (BoardName) BoardName.offer(i)).toList();
        // Where the answer will go, found while we wait: storing it is then one round trip (on Mainline, a first
        // lookup is a traversal of several).
        IntStream.range(0, options.slots()).forEach(i -> board.lookAhead(BoardName.answer(i)));
        ValueWaiter.Watch watch = new ValueWaiter.Watch("offer", board.describeOffers(options.slots()), names);
        ValueWaiter.Found<SignalFormat.ReceivedOffer> found = Waits.await(
                // A timeout names the --timeout given, not what was left of it ("within 999 ms" for 1s).
                waiter.await(watch, (slot, value, all) -> readLiveOffer(slot, value), limit, options.timeout()),
                limit.plus(options.pace().stepLimit()), "an offer");
        taken.add(identity(found.message().message(), found.raw()));
        PendingOffer pending = new PendingOffer(found.index(), found.message());
        log.debug("found offer {} in slot {}", pending.tag(), pending.slot());
        return pending;
    }

    private Reading<SignalFormat.ReceivedOffer> readLiveOffer(int slot, DhtValue value) {
        Reading<SignalFormat.ReceivedOffer> reading = format.readOffer(value, board.keyOf(BoardName.offer(slot)));
        if (reading instanceof Reading.Accepted<SignalFormat.ReceivedOffer> a) {
            SignalMessage offer = a.message().message();
            if (taken.contains(identity(offer, value))) {
                // Usually an offer we answered, until its offerer clears it; else someone stored it again.
                return Reading.skipped("it was answered already (offer " + OfferIds.shortForm(offer.offerId()) + ")");
            }
            String notLive = offer.notLiveBecause(clock.instant());
            if (notLive != null) {
                return Reading.refused(notLive + " (left behind by an earlier run, or replayed)");
            }
        }
        return reading;
    }

    private static Object identity(SignalMessage offer, DhtValue raw) {
        return offer.offerId() != null ? offer.offerId() : raw;
    }

    /**
     * Answers a taken offer, connects, receives the offerer's greeting and replies with ours.
     *
     * @throws SignalingException naming the step that failed or ran out of time
     */
    public Connection answer(PendingOffer pending, Transcript out) {
        SignalMessage offer = pending.offer().message();
        RtcPeer peer = rtc.createPeer(options.rtcConfig());
        BoardName answerName = BoardName.answer(pending.slot());
        try {
            // An offer with an id comes from a peer that speaks the 'peer' channel protocol.
            PeerSession session = offer.offerId() != null ? PeerSession.open(peer) : null;
            SessionDescription answerSdp = Waits.await(peer.acceptOffer(offer.description()),
                    options.connectTimeout(), "our answer to offer " + pending.tag() + " (ICE candidate gathering)");
            out.line("Remote description set. Creating Answer SDP...");
            SignalMessage answer = new SignalMessage(answerSdp, offer.offerId(), clock.instant(), null);
            DhtValue value = format.encodeAnswer(answer, board.keyOf(answerName), pending.offer());
            Waits.await(board.put(answerName, value), options.pace().stepLimit(),
                    "storing the answer under " + board.describe(answerName) + " on " + board.where());
            unread.add(answerName);
            out.line("Answer SDP stored in DHT.");
            PathReport.awaitConnecting(peer, peer.connected(), options.connectTimeout(),
                    "the WebRTC connection to the offerer of " + pending.tag() + " (ICE and DTLS)", "the offerer");
            unread.remove(answerName);  // connected: the offerer has read it, and clears it
            out.line("WebRTC connection established.");
            RtcDataChannel channel = Waits.await(peer.incomingDataChannel(), options.connectTimeout(),
                    "the offerer to open its data channel");
            Inbox inbox = Inbox.of(channel);
            String label = PeerText.shown(channel.label());
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the offerer's greeting on '" + label + "'");
            out.line("Received message on '" + label + "': " + PeerText.shown(greeting.text()));
            out.line("Data channel '" + label + "' is open");
            channel.send(options.greeting());
            log.debug("answered offer {} in slot {}", pending.tag(), pending.slot());
            Connection connection = new Connection(peer, channel, inbox, session);
            synchronized (made) {
                made.add(connection);
            }
            return connection;
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    /**
     * For a program that is being stopped: leaves the connections made, and clears the answers it stored
     * that no offerer has used yet, so that nobody takes them for live ones, waiting at most as long as a
     * store.
     */
    public void withdraw() {
        List<Connection> leaving;
        synchronized (made) {
            leaving = List.copyOf(made);
        }
        leaving.forEach(Connection::leave);
        List<CompletableFuture<?>> clearing = new ArrayList<>();
        for (BoardName name : List.copyOf(unread)) {
            unread.remove(name);
            clearing.add(board.clear(name));
        }
        try {
            // Within the stop's own limit (3 s): what is not cleared by then a later reader skips.
            Waits.await(CompletableFuture.allOf(clearing.toArray(CompletableFuture[]::new)),
                    Duration.ofMillis(2_500), "clearing our answers");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }
}
