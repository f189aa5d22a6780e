package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.transfer.PeerSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offering peer's side of one exchange: make an offer, publish it, wait for the answer to it,
 * connect, and swap greetings. Prints the original offerer's lines.
 *
 * <p>Stale values from earlier runs are never used: the offer carries a fresh id and an expiry; an
 * answer counts only if it names that id, or (the original answerer names none) if it is not the value
 * that was already under the answer key before our offer went out. Once the answer is read, both keys
 * are cleared, so the next run starts clean.
 */
public final class Offerer {
    private static final Logger log = LoggerFactory.getLogger(Offerer.class);

    private final SignalingOptions options;
    private final Rendezvous rendezvous;
    private final SignalFormat format;
    private final DhtNode dht;
    private final RtcFactory rtc;
    private final ValueWaiter waiter;
    private final Transcript out;
    private final Clock clock;
    private final OfferSlots slots;
    private final List<CompletableFuture<?>> clearing = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The key of our offer while it is in the DHT and not yet answered; what a stopping program clears. */
    private volatile NodeId outstanding;
    /** Our offer's stores: none starts once the program is being stopped, so that its clearing is the last word. */
    private final WriteGate stores = new WriteGate();
    /** The connection made, so that a program stopped right after connecting still closes it. */
    private volatile Connection connected;

    public Offerer(SignalingOptions options, DhtNode dht, RtcFactory rtc, ScheduledExecutorService timer,
                   Transcript out, Clock clock) {
        this.options = options;
        this.rendezvous = options.rendezvous();
        this.format = rendezvous.format();
        this.dht = dht;
        this.rtc = rtc;
        this.out = out;
        this.clock = clock;
        this.waiter = new ValueWaiter(dht, timer, options.pollInterval(), options.dhtDescription());
        this.slots = new OfferSlots(options, dht, clock);
    }

    /** Values seen and refused so far (forged, stale, for another offer...), each with the reason. */
    public java.util.List<String> refusals() {
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
        NodeId ourOfferKey = null;
        try {
            long deadline = System.nanoTime() + options.timeout().toNanos();
            Set<Integer> lost = new HashSet<>();
            SignalMessage answer = null;
            int slot = -1;
            while (answer == null) {
                // The answer key of the slot we expect to take is read alongside the offer keys: one DHT
                // lookup less before the offer goes out, when the guess is right (it nearly always is).
                int likely = slots.likely(lost);
                CompletableFuture<List<DhtValue>> likelyAnswers = dht.getAllDigest(rendezvous.answerKey(likely));
                slot = slots.free(lost, likely);
                NodeId offerKey = rendezvous.offerKey(slot);
                Set<DhtValue> before = clearStaleAnswers(slot,
                        slot == likely ? likelyAnswers : dht.getAllDigest(rendezvous.answerKey(slot)));
                Instant now = clock.instant();
                // Gathering candidates takes a moment; the DHT work above overlaps it.
                SignalMessage offer = new SignalMessage(
                        Waits.await(current.offer(), options.rtcConfig().iceGatheringTimeout().multipliedBy(2), "our offer (ICE candidate gathering)"),
                        OfferIds.next(), now, now.plus(options.timeout()));
                SignalFormat.PublishedOffer published = format.encodeOffer(offer, offerKey);
                Waits.await(stores.start(() -> {
                    outstanding = offerKey;  // before the store: a stop during it must clear it too
                    return dht.putDigest(offerKey, published.value());
                }), options.dhtTimeout().multipliedBy(5),
                        "storing the offer under " + rendezvous.describeOffer(slot) + " on " + options.dhtDescription());
                log.debug("offer {} stored in slot {}", offer, slot);
                if (ourOfferKey == null) {
                    out.line("Offer SDP stored in DHT.");
                    out.line("Waiting for Answer SDP in DHT...");
                }
                ourOfferKey = offerKey;
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
                            rendezvous.describeOffer(slot));
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
            clearSlot(ourOfferKey, rendezvous.answerKey(slot));

            PathReport.awaitConnecting(peer, channel.opened(), options.connectTimeout(),
                    "the data channel '" + options.label() + "' to open (ICE and DTLS with the answerer)");
            out.line("Data channel '" + options.label() + "' is open");
            channel.send(options.greeting());
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the answerer's greeting on '" + options.label() + "'");
            out.line("Received message from Peer B: " + greeting.text());
            Connection connection = new Connection(peer, channel, inbox, session);
            connected = connection;
            return connection;
        } catch (RuntimeException e) {
            current.peer().close();
            if (ourOfferKey != null) {
                clear(ourOfferKey);  // nobody should answer an offer whose offerer has given up
            }
            throw e;
        }
    }

    /**
     * Polls the slot's answer key for the answer to our offer, and our own offer key to notice when
     * another offerer's offer has replaced ours (then an answerer that comes later never sees ours). When the answerer's
     * connectivity checks reach us ({@code answerSoon}), it has made its answer: we look at once, and
     * often, instead of after the pause the polling had grown to.
     */
    private SlotOutcome awaitAnswer(int slot, SignalFormat.PublishedOffer published, Set<DhtValue> before, long deadline,
                                    CompletableFuture<Void> answerSoon) {
        NodeId answerKey = rendezvous.answerKey(slot);
        NodeId offerKey = rendezvous.offerKey(slot);
        ValueWaiter.Watch watch = new ValueWaiter.Watch("answer", rendezvous.describeAnswer(slot),
                List.of(answerKey, offerKey), i -> i == 0 ? rendezvous.describeAnswer(slot) : rendezvous.describeOffer(slot));
        AtomicBoolean restoring = new AtomicBoolean();
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        ValueWaiter.Found<SlotOutcome> found = Waits.await(waiter.await(watch, (i, value, all) -> {
            if (stores.closed()) {
                return Reading.accepted(new SlotOutcome.Withdrawn());  // the program is being stopped
            }
            if (i == 1) {
                return readOurSlot(offerKey, published, value, all, restoring);
            }
            if (before.contains(value)) {
                return Reading.refused("it was there before our offer (a stale answer)");
            }
            Reading<SignalMessage> answer = format.readAnswer(value, answerKey, published);
            if (answer instanceof Reading.Accepted<SignalMessage> a) {
                String stale = staleAnswer(a.message(), published.message());
                if (stale != null) {
                    return Reading.refused(stale);
                }
            }
            return answer.map(SlotOutcome.Answered::new);
        }, left, options.timeout(), answerSoon), left.plus(options.dhtTimeout().multipliedBy(5)), "the answer");
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
     * Reads one value found under our own offer key. We leave the slot only for a live offer of another
     * offerer (sealed: one that opens; plain: also an original peer's offer, without expiry, that replaced
     * ours everywhere), never for junk, {@code ""}, a stale offer or a lagging replica:
     * anyone who can reach the DHT can store those, and moving for them would let four stores push an
     * offerer out of every slot. When such a value has replaced ours everywhere we looked, ours is stored
     * again, so the answerer can still find it.
     *
     * <p>When ours and another live offer are both there (the two stores raced and different nodes kept
     * different ones), the offer with the smaller id keeps the slot and the other offerer moves: both
     * decide alike without talking to each other.
     */
    private Reading<SlotOutcome> readOurSlot(NodeId offerKey, SignalFormat.PublishedOffer published, DhtValue value,
                                             List<DhtValue> all, AtomicBoolean restoring) {
        boolean oursThere = all.contains(published.value());
        if (value.equals(published.value())) {
            return Reading.empty();
        }
        String ourId = published.message().offerId();
        Reading<SignalFormat.ReceivedOffer> reading = format.readOffer(value, offerKey);
        String notDisplacing = null;
        if (reading instanceof Reading.Accepted<SignalFormat.ReceivedOffer> a) {
            SignalMessage other = a.message().message();
            if (ourId.equals(other.offerId())) {
                notDisplacing = null;  // our own offer, written again
            } else if (other.offerId() == null || other.expires() == null) {
                // An original peer's offer (plain mode only: sealed offers always carry both). Whether it is
                // live cannot be told; one that replaced ours everywhere was most likely just stored by a
                // waiting original offerer, so we make way rather than overwrite it.
                if (!oursThere) {
                    return Reading.accepted(new SlotOutcome.Displaced());
                }
                notDisplacing = "it is an offer without an id or expiry (an original peer's) beside ours; keeping our slot";
            } else if (other.notLiveBecause(clock.instant()) != null) {
                notDisplacing = "it is another offer, but " + other.notLiveBecause(clock.instant()) + "; keeping our slot";
            } else if (!oursThere || other.offerId().compareTo(ourId) < 0) {
                return Reading.accepted(new SlotOutcome.Displaced());
            } else {
                notDisplacing = "another offerer's live offer is there beside ours; ours keeps the slot (smaller offer id)";
            }
        }
        // Values are read in order and a displacing one ends the wait, so at the last value we know that none
        // of them was a live offer of another offerer: only then is storing ours again no harm to anyone.
        if (!oursThere && value.equals(all.get(all.size() - 1))) {
            restore(offerKey, published, restoring);
        }
        if (reading instanceof Reading.Refused<SignalFormat.ReceivedOffer> r) {
            return new Reading.Refused<>(r.reason() + "; keeping our slot", r.unopened(), false);
        }
        return notDisplacing == null ? Reading.empty() : Reading.refused(notDisplacing);
    }

    /** Stores our offer again where something else replaced it; one store at a time. */
    private void restore(NodeId offerKey, SignalFormat.PublishedOffer published, AtomicBoolean restoring) {
        if (restoring.compareAndSet(false, true)) {
            log.info("something replaced our offer under {}; storing it again", offerKey.shortHex());
            stores.start(() -> dht.putDigest(offerKey, published.value())).whenComplete((r, e) -> restoring.set(false));
        }
    }

    /**
     * Clears answers left under the slot's answer key ({@code reading}: the values read there), and returns
     * them so they are never taken as ours.
     */
    private Set<DhtValue> clearStaleAnswers(int slot, CompletableFuture<List<DhtValue>> reading) {
        NodeId answerKey = rendezvous.answerKey(slot);
        List<DhtValue> left = Waits.await(reading, options.dhtTimeout().multipliedBy(5),
                "reading " + rendezvous.describeAnswer(slot) + " on " + options.dhtDescription());
        Set<DhtValue> stale = new HashSet<>();
        for (DhtValue v : left) {
            if (!SignalFormat.isCleared(v)) {
                stale.add(v);
            }
        }
        if (!stale.isEmpty()) {
            log.info("clearing a stale answer left under {}", rendezvous.describeAnswer(slot));
            // Done before our offer goes out: a clear still under way then could land after the answer
            // to our offer and erase it.
            Waits.await(dht.putDigest(answerKey, SignalFormat.CLEARED), options.dhtTimeout().multipliedBy(5),
                    "clearing a stale answer under " + rendezvous.describeAnswer(slot) + " on " + options.dhtDescription());
        }
        return stale;
    }

    /**
     * Clears a used slot in the background: its answer key first, then its offer key. The slot looks free
     * to the next offerer only once our offer is gone, and by then the answer to us is gone too, so our
     * clearing can never land after (and erase) the answer to the next offer in the slot.
     */
    private void clearSlot(NodeId offerKey, NodeId answerKey) {
        clearing.add(dht.putDigest(answerKey, SignalFormat.CLEARED)
                .handle((r, e) -> null)
                .thenCompose(ignored -> dht.putDigest(offerKey, SignalFormat.CLEARED))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        log.debug("clearing slot keys {} and {} failed: {}", answerKey.shortHex(), offerKey.shortHex(), e.getMessage());
                    }
                }));
    }

    /** Clears a key in the background; a failure only means the next run sees (and ignores) a stale value. */
    private void clear(NodeId key) {
        clearing.add(dht.putDigest(key, SignalFormat.CLEARED).whenComplete((r, e) -> {
            if (e != null) {
                log.debug("clearing {} failed: {}", key.shortHex(), e.getMessage());
            }
        }));
    }

    /**
     * For a program that is being stopped: leaves the connection made, if any, and clears our offer if it
     * is still out (nobody should answer an offer whose offerer is gone), after letting a store of it under
     * way finish and stopping any more ({@link WriteGate}), waiting for the clearing to finish at most as
     * long as a store.
     */
    public void withdraw() {
        Connection c = connected;
        if (c != null) {
            c.leave();
        }
        stores.close(Duration.ofMillis(1_500));
        NodeId key = outstanding;
        outstanding = null;
        if (key != null) {
            clear(key);
        }
        awaitClearing();
    }

    /** Waits (bounded) for the keys to be cleared, so a program does not exit with that still under way. */
    public void awaitClearing() {
        try {
            Waits.await(CompletableFuture.allOf(clearing.toArray(CompletableFuture[]::new)),
                    options.dhtTimeout().multipliedBy(5), "clearing the used keys");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }
}
