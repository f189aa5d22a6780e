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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
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
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private final List<CompletableFuture<?>> clearing = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The key of our offer while it is in the DHT and not yet answered; what a stopping program clears. */
    private volatile NodeId outstanding;

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
    }

    /**
     * Runs the exchange up to the greetings.
     *
     * @throws SignalingException naming what was awaited and where, when a step fails or runs out of time
     */
    public Connection connect() {
        RtcPeer peer = rtc.createPeer(options.rtcConfig());
        NodeId ourOfferKey = null;
        try {
            RtcDataChannel channel = peer.createDataChannel(options.label());
            Inbox inbox = Inbox.of(channel);
            // Gathering candidates and deriving the offer's keys take a moment; the DHT work below overlaps them.
            CompletableFuture<SessionDescription> offerSdp = peer.createOffer();
            format.prepareOffer();
            long deadline = System.nanoTime() + options.timeout().toNanos();
            Set<Integer> lost = new HashSet<>();
            SignalMessage answer = null;
            int slot = -1;
            while (answer == null) {
                slot = freeSlot(lost);
                NodeId offerKey = rendezvous.offerKey(slot);
                DhtValue before = clearStaleAnswer(slot);
                Instant now = clock.instant();
                SignalMessage offer = new SignalMessage(
                        Waits.await(offerSdp, options.rtcConfig().iceGatheringTimeout(), "our offer (ICE candidate gathering)"),
                        OfferIds.next(), now, now.plus(options.timeout()));
                SignalFormat.PublishedOffer published = format.encodeOffer(offer, offerKey);
                Waits.await(dht.putDigest(offerKey, published.value()), options.dhtTimeout().multipliedBy(5),
                        "storing the offer under " + rendezvous.describeOffer(slot) + " on " + options.dhtDescription());
                log.debug("offer {} stored in slot {}", offer, slot);
                if (ourOfferKey == null) {
                    out.line("Offer SDP stored in DHT.");
                    out.line("Waiting for Answer SDP in DHT...");
                }
                ourOfferKey = offerKey;
                this.outstanding = offerKey;
                SlotOutcome outcome = awaitAnswer(slot, published, before, deadline);
                if (outcome instanceof SlotOutcome.Answered a) {
                    answer = a.answer();
                } else {
                    // Two offerers took the same free slot at once and theirs was stored last. Move on.
                    log.info("another offerer's offer replaced ours under {}; offering in another slot",
                            rendezvous.describeOffer(slot));
                    lost.add(slot);
                }
            }
            // An answer that names our offer comes from a peer that speaks the 'peer' channel protocol.
            PeerSession session = answer.offerId() != null ? PeerSession.open(peer) : null;
            Waits.await(peer.acceptAnswer(answer.description()), options.connectTimeout(), "applying the answer");
            out.line("Remote description set. WebRTC connection established.");
            outstanding = null;
            clear(ourOfferKey);
            clear(rendezvous.answerKey(slot));

            Waits.await(channel.opened(), options.connectTimeout(),
                    "the data channel '" + options.label() + "' to open (ICE and DTLS with the answerer)");
            out.line("Data channel '" + options.label() + "' is open");
            channel.send(options.greeting());
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the answerer's greeting on '" + options.label() + "'");
            out.line("Received message from Peer B: " + greeting.text());
            return new Connection(peer, channel, inbox, session);
        } catch (RuntimeException e) {
            peer.close();
            if (ourOfferKey != null) {
                clear(ourOfferKey);  // nobody should answer an offer whose offerer has given up
            }
            throw e;
        }
    }

    /**
     * Polls the slot's answer key for the answer to our offer, and our own offer key to notice when
     * another offerer's offer has replaced ours (then the answerer never sees ours).
     */
    private SlotOutcome awaitAnswer(int slot, SignalFormat.PublishedOffer published, DhtValue before, long deadline) {
        NodeId answerKey = rendezvous.answerKey(slot);
        NodeId offerKey = rendezvous.offerKey(slot);
        ValueWaiter.Watch watch = new ValueWaiter.Watch("answer", rendezvous.describeAnswer(slot),
                List.of(answerKey, offerKey), i -> i == 0 ? rendezvous.describeAnswer(slot) : rendezvous.describeOffer(slot));
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        ValueWaiter.Found<SlotOutcome> found = Waits.await(waiter.await(watch, (i, value) -> {
            if (i == 1) {
                return value.equals(published.value()) ? Reading.empty() : Reading.accepted(new SlotOutcome.Displaced());
            }
            if (value.equals(before)) {
                return Reading.refused("it was there before our offer (a stale answer)");
            }
            return format.readAnswer(value, answerKey, published).map(SlotOutcome.Answered::new);
        }, left), left.plus(options.dhtTimeout().multipliedBy(5)), "the answer");
        return found.message();
    }

    /**
     * A slot without a live offer in it: empty, cleared, expired, unreadable, or an offer of the original
     * peers (which carries no expiry, so we cannot tell it is live and overwrite it as they would). Plain
     * rendezvous take the first such slot, since the original answerer only looks at slot 0; sealed ones
     * take a random one, so that offerers starting together rarely pick the same.
     */
    private int freeSlot(Set<Integer> lost) {
        List<CompletableFuture<Optional<DhtValue>>> reads = new ArrayList<>();
        for (int i = 0; i < rendezvous.slots(); i++) {
            reads.add(dht.getDigest(rendezvous.offerKey(i)));
        }
        Instant now = clock.instant();
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            Optional<DhtValue> value = Waits.await(reads.get(i), options.dhtTimeout().multipliedBy(5),
                    "reading " + rendezvous.describeOffer(i) + " on " + options.dhtDescription());
            if (lost.contains(i)) {
                continue;
            }
            Reading<SignalFormat.ReceivedOffer> reading = value.isEmpty() ? Reading.empty()
                    : format.readOffer(value.get(), rendezvous.offerKey(i));
            if (!(reading instanceof Reading.Accepted<SignalFormat.ReceivedOffer> a)
                    || a.message().message().expires() == null || a.message().message().isExpired(now)) {
                free.add(i);
            } else {
                log.info("{} holds a live offer of another offerer", rendezvous.describeOffer(i));
            }
        }
        if (!free.isEmpty()) {
            return rendezvous.sealed() ? free.get(random.nextInt(free.size())) : free.get(0);
        }
        throw new SignalingException("all " + rendezvous.slots() + " offer slots (" + rendezvous.describeOffers()
                + ") hold live offers of other offerers on " + options.dhtDescription()
                + "; try again later, or use a --session of your own");
    }

    /** Clears an answer left under the slot's answer key, and returns it so it is never taken as ours. */
    private DhtValue clearStaleAnswer(int slot) {
        NodeId answerKey = rendezvous.answerKey(slot);
        Optional<DhtValue> left = Waits.await(dht.getDigest(answerKey), options.dhtTimeout().multipliedBy(5),
                "reading " + rendezvous.describeAnswer(slot) + " on " + options.dhtDescription());
        if (left.isEmpty() || SignalFormat.isCleared(left.get())) {
            return null;
        }
        log.info("clearing a stale answer left under {}", rendezvous.describeAnswer(slot));
        clear(answerKey);
        return left.get();
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
     * For a program that is being stopped: clears our offer if it is still out (nobody should answer an
     * offer whose offerer is gone), and waits for the clearing to finish, at most as long as a store.
     */
    public void withdraw() {
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
