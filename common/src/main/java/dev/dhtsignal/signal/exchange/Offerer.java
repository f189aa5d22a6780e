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
import dev.dhtsignal.signal.WriteGate;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.transfer.PeerSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offering peer's side of one exchange, on any {@link SignalBoard}: take a free slot, publish an offer
 * there, wait for the answer to it, connect, and swap greetings. Prints the original offerer's lines.
 *
 * <p>Stale values from earlier runs are never used: the offer carries a fresh id and an expiry; an
 * answer counts only if it names that id, or (the original answerer names none) if it is not the value
 * that was already under the answer's name before our offer went out. Once the answer is read, a slot
 * others may use again (plain, or a reusable secret) is cleared, so the next run starts clean.
 */
public final class Offerer {
    private static final Logger log = LoggerFactory.getLogger(Offerer.class);
    /** How long a stopping program waits for its offer to be cleared: within the stop's own limit (3 s). */
    private static final Duration AT_STOP = Duration.ofMillis(2_500);
    /** How long a program at its end waits for the used slot to be cleared. */
    private static final Duration AT_EXIT = Duration.ofSeconds(5);

    private final SignalingOptions options;
    private final SignalBoard board;
    private final SignalFormat format;
    private final RtcFactory rtc;
    private final ValueWaiter waiter;
    private final SlotChoice slots;
    private final Transcript out;
    private final Clock clock;
    private final Clearing clearing;
    /** Our offer's name while it is on the board and not yet answered: what a stopping program clears. */
    private volatile BoardName outstanding;
    /** Our offer's stores: none starts once the program is being stopped, so that its clearing is the last word. */
    private final WriteGate stores = new WriteGate();
    /** The connection made, so that a program stopped right after connecting still closes it. */
    private volatile Connection connected;

    /**
     * @param reusable whether the board's slots serve later exchanges too (plain, or a long code): then a
     *                 used slot is cleared; a short code's keys are this exchange's alone
     */
    public Offerer(SignalingOptions options, SignalBoard board, boolean reusable, RtcFactory rtc,
                   ScheduledExecutorService timer, Transcript out, Clock clock) {
        this.options = options;
        this.board = board;
        this.format = board.format();
        this.rtc = rtc;
        this.out = out;
        this.clock = clock;
        this.waiter = new ValueWaiter(board, timer, options.pace().firstPause(), options.pace().longestPause());
        this.slots = new SlotChoice(board, options, clock);
        this.clearing = new Clearing(board, reusable, options.pace().stepLimit());
    }

    /** Values seen and refused so far (forged, stale, for another offer...), each with the reason. */
    public List<String> refusals() {
        return waiter.refusals();
    }

    /** What waiting on a slot brought: the answer, or news that another offerer's offer replaced ours. */
    private sealed interface SlotOutcome {
        record Answered(SignalMessage answer) implements SlotOutcome {
        }

        record Displaced() implements SlotOutcome {
        }

        record Withdrawn() implements SlotOutcome {
        }
    }

    /**
     * Runs the exchange up to the greetings.
     *
     * @throws SignalingException naming what was awaited and where, when a step fails or runs out of time
     */
    public Connection connect() {
        return connect(PreparedOffer.start(rtc, options));
    }

    /**
     * As {@link #connect()}, with a connection and offer made beforehand (e.g. while the DHT was being
     * joined) for this exchange's options.
     */
    public Connection connect(PreparedOffer prepared) {
        PreparedOffer current = prepared;
        BoardName ourOffer = null;
        try {
            long deadline = System.nanoTime() + options.timeout().toNanos();
            Set<Integer> lost = new HashSet<>();
            SignalMessage answer = null;
            int slot = -1;
            while (answer == null) {
                // The answer of the slot we expect to take is read alongside the offers: one lookup less
                // before the offer goes out, when the guess is right (it nearly always is).
                int likely = slots.likely(lost);
                CompletableFuture<List<DhtValue>> likelyAnswers = board.getAll(BoardName.answer(likely));
                slot = slots.free(lost, likely);
                BoardName offerName = BoardName.offer(slot);
                // A slot of this exchange alone (a short code's keys) has no answer of an earlier run to clear:
                // the offer need not wait for that read (on Mainline, a traversal).
                Set<DhtValue> before = !clearing.reusable ? Set.of() : slots.clearStaleAnswers(slot,
                        slot == likely ? likelyAnswers : board.getAll(BoardName.answer(slot)));
                Instant now = clock.instant();
                if (ourOffer == null && current.serversChanged(options)) {
                    // The node's ICE servers came after the offer was started (a reply lost and asked again):
                    // an offer without the node's STUN and TURN servers could not cross two NATs.
                    log.debug("ICE servers came after the offer was started; making it again with them");
                    current.peer().close();
                    current = PreparedOffer.start(rtc, options);
                }
                // Gathering candidates takes a moment; the DHT work above overlaps it.
                SignalMessage offer = new SignalMessage(
                        Waits.await(current.offer(), options.rtcConfig().iceGatheringTimeout().multipliedBy(2), "our offer (ICE candidate gathering)"),
                        OfferIds.next(), now, now.plus(options.timeout()));
                SignalFormat.PublishedOffer published = format.encodeOffer(offer, board.keyOf(offerName));
                BoardName storing = offerName;
                Waits.await(stores.start(() -> {
                    outstanding = storing;  // before the store: a stop during it must clear it too
                    return board.put(storing, published.value());
                }), options.pace().stepLimit(), "storing the offer under " + board.describe(offerName) + " on " + board.where());
                log.debug("offer {} stored in slot {}", offer, slot);
                if (ourOffer == null) {
                    out.line("Offer SDP stored in DHT.");
                    out.line("Waiting for Answer SDP in DHT...");
                }
                ourOffer = offerName;
                SlotOutcome outcome = awaitAnswer(slot, published, before, deadline, current.peer().checking());
                if (outcome instanceof SlotOutcome.Answered a) {
                    answer = a.answer();
                } else if (outcome instanceof SlotOutcome.Withdrawn) {
                    throw WriteGate.stopped();
                } else {
                    // Two offerers took the same free slot at once and theirs was stored last. Move on, with a
                    // new connection: an answerer may have read our offer before it was replaced and answered
                    // it, and its connection must not meet the one we offer next (same ICE credentials and
                    // fingerprint); it fails instead, and the answerer goes on with others.
                    log.info("another offerer's offer replaced ours under {}; offering in another slot",
                            board.describe(offerName));
                    lost.add(slot);
                    current.peer().close();
                    current = PreparedOffer.start(rtc, options);
                }
            }
            RtcPeer peer = current.peer();
            RtcDataChannel channel = current.channel();
            Inbox inbox = current.inbox();
            // An answer that names our offer comes from a peer that speaks the 'peer' channel protocol.
            PeerSession session = answer.offerId() != null ? PeerSession.open(peer) : null;
            Waits.await(peer.acceptAnswer(answer.description()), options.connectTimeout(), "applying the answer");
            out.line("Remote description set. WebRTC connection established.");
            outstanding = null;
            clearing.usedSlot(slot);

            PathReport.awaitConnecting(peer, channel.opened(), options.connectTimeout(),
                    "the data channel '" + options.label() + "' to open (ICE and DTLS with the answerer)", "the answerer");
            out.line("Data channel '" + options.label() + "' is open");
            channel.send(options.greeting());
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the answerer's greeting on '" + options.label() + "'");
            out.line("Received message from Peer B: " + dev.dhtsignal.transfer.PeerText.shown(greeting.text()));
            Connection connection = new Connection(peer, channel, inbox, session);
            connected = connection;
            return connection;
        } catch (RuntimeException e) {
            current.peer().close();
            if (ourOffer != null) {
                clearing.clear(ourOffer);  // nobody should answer an offer whose offerer has given up
            }
            throw e;
        }
    }

    /**
     * Polls the slot's answer for the answer to our offer, and our own offer to notice when another
     * offerer's offer has replaced ours (then an answerer that comes later never sees ours). When the
     * answerer's connectivity checks reach us ({@code answerSoon}), it has made its answer: we look at once,
     * and often, instead of after the pause the polling had grown to.
     */
    private SlotOutcome awaitAnswer(int slot, SignalFormat.PublishedOffer published, Set<DhtValue> before, long deadline,
                                    CompletableFuture<Void> answerSoon) {
        BoardName answerName = BoardName.answer(slot);
        BoardName offerName = BoardName.offer(slot);
        ValueWaiter.Watch watch = new ValueWaiter.Watch("answer", board.describe(answerName), List.of(answerName, offerName));
        OurSlot ours = new OurSlot(board, offerName, published, stores, clock);
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        ValueWaiter.Found<SlotOutcome> found = Waits.await(waiter.await(watch, (i, value, all) -> {
            if (stores.closed()) {
                return Reading.accepted(new SlotOutcome.Withdrawn());  // the program is being stopped
            }
            if (i == 1) {
                return ours.read(value, all).map(displaced -> new SlotOutcome.Displaced());
            }
            if (before.contains(value)) {
                return Reading.refused("it was there before our offer (a stale answer)");
            }
            Reading<SignalMessage> answer = format.readAnswer(value, board.keyOf(answerName), published);
            if (answer instanceof Reading.Accepted<SignalMessage> a) {
                String stale = staleAnswer(a.message(), published.message());
                if (stale != null) {
                    return Reading.refused(stale);
                }
            }
            return answer.map(SlotOutcome.Answered::new);
        }, left, options.timeout(), answerSoon), left.plus(options.pace().stepLimit()), "the answer");
        return found.message();
    }

    /**
     * An answer that names our offer but cannot be fresh: created long before our offer, or in the future.
     * Sealed answers to our offer can only be made after it (they need its id and salt); this catches
     * clocks that are far off, and forgeries in plain mode.
     */
    private String staleAnswer(SignalMessage answer, SignalMessage ours) {
        if (answer.created() == null) {
            return null;  // an original answerer's: its freshness is judged by the value it replaced
        }
        if (answer.created().isBefore(ours.created().minus(SignalMessage.CLOCK_SKEW))) {
            return "it was created " + Duration.between(answer.created(), ours.created()).toSeconds()
                    + " s before our offer (a replay, or the peers' clocks differ by more than "
                    + SignalMessage.CLOCK_SKEW.toMinutes() + " min)";
        }
        return answer.notLiveBecause(clock.instant());
    }

    /**
     * For a program that is being stopped: leaves the connection made, if any, and clears our offer if it
     * is still out (nobody should answer an offer whose offerer is gone), after letting a store of it under
     * way finish and stopping any more ({@link WriteGate}), waiting for the clearing a short while.
     */
    public void withdraw() {
        Connection c = connected;
        if (c != null) {
            c.leave();
        }
        stores.close(Duration.ofMillis(1_500));
        BoardName name = outstanding;
        outstanding = null;
        if (name != null) {
            clearing.clear(name);
        }
        clearing.await(AT_STOP);
    }

    /**
     * Waits for the used slot to be cleared, so a program does not exit with that still under way: at most
     * a few seconds, since a program at its end should end (what is not cleared a later reader skips).
     */
    public void awaitClearing() {
        clearing.await(AT_EXIT);
    }

    /** Clearing what we left on the board, in the background; a failure only means a later reader skips it. */
    private static final class Clearing {
        private final SignalBoard board;
        private final boolean reusable;
        private final Duration stepLimit;
        private final List<CompletableFuture<?>> under = new CopyOnWriteArrayList<>();

        Clearing(SignalBoard board, boolean reusable, Duration stepLimit) {
            this.board = board;
            this.reusable = reusable;
            this.stepLimit = stepLimit;
        }

        /**
         * A used slot that others may use again: its answer first, then its offer. The slot looks free to
         * the next offerer only once our offer is gone, and by then the answer to us is gone too, so our
         * clearing can never land after (and erase) the answer to the next offer in the slot.
         */
        void usedSlot(int slot) {
            if (!reusable) {
                return;  // keys of this exchange alone: nobody will look there again
            }
            BoardName answer = BoardName.answer(slot);
            BoardName offer = BoardName.offer(slot);
            under.add(board.clear(answer).handle((r, e) -> null).thenCompose(ignored -> board.clear(offer))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            log.debug("clearing {} and {} failed: {}", board.describe(answer), board.describe(offer), e.getMessage());
                        }
                    }));
        }

        void clear(BoardName name) {
            under.add(board.clear(name).whenComplete((r, e) -> {
                if (e != null) {
                    log.debug("clearing {} failed: {}", board.describe(name), e.getMessage());
                }
            }));
        }

        void await(Duration limit) {
            try {
                Waits.await(CompletableFuture.allOf(under.toArray(CompletableFuture[]::new)),
                        limit.compareTo(stepLimit) < 0 ? limit : stepLimit, "clearing the used keys");
            } catch (SignalingException e) {
                log.debug("{}", e.getMessage());
            }
        }
    }
}
