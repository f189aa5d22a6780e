package dev.dhtsignal.signal;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.rtc.ChannelMessage;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.rtc.RtcFactory;
import dev.dhtsignal.rtc.RtcPeer;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.transfer.PeerSession;
import dev.dhtsignal.transfer.PeerText;
import dev.dhtsignal.dht.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answering peer: waits for a live offer in any slot of the rendezvous, answers it, connects and
 * swaps greetings. Prints the original answerer's lines. {@link #nextOffer} and {@link #answer} are
 * separate so that {@code --serve} can answer one offer after another, and several at once.
 *
 * <p>An offer is taken only once (by its id, or its exact value for the original offerer's, which have no
 * id), and never after its expiry: an offer left behind by an earlier run is skipped, not answered.
 */
public final class Answerer {
    private static final Logger log = LoggerFactory.getLogger(Answerer.class);
    private static final int REMEMBERED_OFFERS = 4096;

    private final SignalingOptions options;
    private final Rendezvous rendezvous;
    private final SignalFormat format;
    private final KademliaNode dht;
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
    private final Set<Connection> made = Collections.newSetFromMap(new java.util.WeakHashMap<>());

    /** Keys of answers we stored whose offerer has not connected yet. */
    private final Set<NodeId> unread = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** An offer found in a slot, ready to answer. */
    public record PendingOffer(int slot, SignalFormat.ReceivedOffer offer) {
        public String tag() {
            return OfferIds.shortForm(offer.message().offerId());
        }
    }

    public Answerer(SignalingOptions options, KademliaNode dht, RtcFactory rtc, ScheduledExecutorService timer, Clock clock) {
        this.options = options;
        this.rendezvous = options.rendezvous();
        this.format = rendezvous.format();
        this.dht = dht;
        this.rtc = rtc;
        this.clock = clock;
        this.waiter = new ValueWaiter(dht, timer, options.pollInterval(), options.dhtDescription());
    }

    /** Values seen and refused so far (forged, stale, for another offer...), each with the reason. */
    public java.util.List<String> refusals() {
        return waiter.refusals();
    }

    /**
     * Waits up to {@code limit} for a live offer not taken before, and takes it.
     *
     * @throws SignalingException naming the keys and the DHT when none comes in time
     */
    public PendingOffer nextOffer(Duration limit) {
        ValueWaiter.Watch watch = new ValueWaiter.Watch("offer", rendezvous.describeOffers(), rendezvous.offerKeys(),
                rendezvous::describeOffer);
        ValueWaiter.Found<SignalFormat.ReceivedOffer> found = Waits.await(
                waiter.await(watch, (slot, value, all) -> readLiveOffer(slot, value), limit),
                limit.plus(options.dhtTimeout().multipliedBy(5)), "an offer");
        taken.add(identity(found.message().message(), found.raw()));
        PendingOffer pending = new PendingOffer(found.index(), found.message());
        log.debug("found offer {} in slot {}", pending.tag(), pending.slot());
        return pending;
    }

    private Reading<SignalFormat.ReceivedOffer> readLiveOffer(int slot, DhtValue value) {
        Reading<SignalFormat.ReceivedOffer> reading = format.readOffer(value, rendezvous.offerKey(slot));
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
        NodeId answerKey = rendezvous.answerKey(pending.slot());
        try {
            // An offer with an id comes from a peer that speaks the 'peer' channel protocol.
            PeerSession session = offer.offerId() != null ? PeerSession.open(peer) : null;
            SessionDescription answerSdp = Waits.await(peer.acceptOffer(offer.description()),
                    options.connectTimeout(), "our answer to offer " + pending.tag() + " (ICE candidate gathering)");
            out.line("Remote description set. Creating Answer SDP...");
            SignalMessage answer = new SignalMessage(answerSdp, offer.offerId(), clock.instant(), null);
            DhtValue value = format.encodeAnswer(answer, rendezvous.answerKey(pending.slot()), pending.offer());
            Waits.await(dht.putDigest(rendezvous.answerKey(pending.slot()), value), options.dhtTimeout().multipliedBy(5),
                    "storing the answer under " + rendezvous.describeAnswer(pending.slot()) + " on " + options.dhtDescription());
            unread.add(answerKey);
            out.line("Answer SDP stored in DHT.");
            PathReport.awaitConnecting(peer, peer.connected(), options.connectTimeout(),
                    "the WebRTC connection to the offerer of " + pending.tag() + " (ICE and DTLS)");
            unread.remove(answerKey);  // connected: the offerer has read it, and clears it
            out.line("WebRTC connection established.");
            RtcDataChannel channel = Waits.await(peer.incomingDataChannel(), options.connectTimeout(),
                    "the offerer to open its data channel");
            Inbox inbox = Inbox.of(channel);
            ChannelMessage greeting = inbox.next(options.connectTimeout(), "the offerer's greeting on '" + PeerText.shown(channel.label()) + "'");
            out.line("Received message on '" + PeerText.shown(channel.label()) + "': " + PeerText.shown(greeting.text()));
            out.line("Data channel '" + PeerText.shown(channel.label()) + "' is open");
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
     * For a program that is being stopped: leaves the connections made, and clears the answers it stored that no offerer has used yet, so
     * that nobody takes them for live ones, waiting at most as long as a store.
     */
    public void withdraw() {
        List<Connection> leaving;
        synchronized (made) {
            leaving = List.copyOf(made);
        }
        leaving.forEach(Connection::leave);
        List<CompletableFuture<?>> clearing = new ArrayList<>();
        for (NodeId key : List.copyOf(unread)) {
            unread.remove(key);
            clearing.add(dht.putDigest(key, SignalFormat.CLEARED));
        }
        try {
            Waits.await(CompletableFuture.allOf(clearing.toArray(CompletableFuture[]::new)),
                    options.dhtTimeout().multipliedBy(5), "clearing our answers");
        } catch (SignalingException e) {
            log.debug("{}", e.getMessage());
        }
    }
}
