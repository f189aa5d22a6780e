package dev.dhtsignal.signal;

import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.DhtValue;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which slot of the rendezvous an offerer takes: one whose offer key holds no live offer of another offerer
 * (live as {@link SignalMessage#notLiveBecause} says: an offer that claims to live longer than any offerer
 * waits holds no slot).
 */
final class OfferSlots {
    private static final Logger log = LoggerFactory.getLogger(OfferSlots.class);

    private final SignalingOptions options;
    private final Rendezvous rendezvous;
    private final SignalFormat format;
    private final DhtNode dht;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    OfferSlots(SignalingOptions options, DhtNode dht, Clock clock) {
        this.options = options;
        this.rendezvous = options.rendezvous();
        this.format = rendezvous.format();
        this.dht = dht;
        this.clock = clock;
    }

    /**
     * A slot without a live offer in it: empty, cleared, expired, unreadable, or an offer of the original
     * peers (which carries no expiry, so we cannot tell it is live and overwrite it as they would). Plain
     * rendezvous take the first such slot, since the original answerer only looks at slot 0; sealed ones
     * take a random one, so that offerers starting together rarely pick the same: {@code likely}, when it is
     * free ({@link #likely}).
     */
    int free(Set<Integer> lost, int likely) {
        List<CompletableFuture<List<DhtValue>>> reads = new ArrayList<>();
        for (int i = 0; i < rendezvous.slots(); i++) {
            reads.add(dht.getAllDigest(rendezvous.offerKey(i)));
        }
        Instant now = clock.instant();
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            List<DhtValue> values = Waits.await(reads.get(i), options.dhtTimeout().multipliedBy(5),
                    "reading " + rendezvous.describeOffer(i) + " on " + options.dhtDescription());
            if (lost.contains(i)) {
                continue;
            }
            int slot = i;
            boolean live = values.stream().anyMatch(v -> format.readOffer(v, rendezvous.offerKey(slot))
                    instanceof Reading.Accepted<SignalFormat.ReceivedOffer> a
                    && a.message().message().expires() != null && a.message().message().notLiveBecause(now) == null);
            if (live) {
                log.info("{} holds a live offer of another offerer", rendezvous.describeOffer(i));
            } else {
                free.add(i);
            }
        }
        if (free.contains(likely)) {
            return likely;
        }
        if (!free.isEmpty()) {
            return rendezvous.sealed() ? free.get(random.nextInt(free.size())) : free.get(0);
        }
        throw new SignalingException("all " + rendezvous.slots() + " offer slots (" + rendezvous.describeOffers()
                + ") hold live offers of other offerers on " + options.dhtDescription()
                + "; try again later, or use a --session of your own");
    }

    /**
     * The slot {@link #free} will most likely take: the first one not lost for plain rendezvous, a
     * random one of those for sealed ones.
     */
    int likely(Set<Integer> lost) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < rendezvous.slots(); i++) {
            if (!lost.contains(i)) {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty()) {
            return 0;  // free will say that no slot is free
        }
        return rendezvous.sealed() ? candidates.get(random.nextInt(candidates.size())) : candidates.get(0);
    }
}
