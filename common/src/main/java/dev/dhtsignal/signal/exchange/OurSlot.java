package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.Reading;
import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.WriteGate;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an offerer makes of the values under its own offer's name while it waits: whether another offerer
 * has taken the slot (then it moves to another), or something that does not count replaced ours (then
 * ours is stored again).
 *
 * <p>We leave the slot only for a live offer of another offerer (sealed: one that opens; plain: also an
 * original peer's offer, without expiry, that replaced ours everywhere), never for junk, {@code ""}, a
 * stale offer or a lagging replica: anyone who can reach the DHT can store those, and moving for them
 * would let four stores push an offerer out of every slot. When ours and another live offer are both
 * there (the two stores raced and different nodes kept different ones), the offer with the smaller id
 * keeps the slot and the other offerer moves: both decide alike without talking to each other.
 */
final class OurSlot {
    private static final Logger log = LoggerFactory.getLogger(OurSlot.class);

    /** Another offerer's live offer holds the slot: ours must move. */
    record Displaced() {
    }

    private final SignalBoard board;
    private final BoardName name;
    private final SignalFormat.PublishedOffer published;
    private final WriteGate stores;
    private final Clock clock;
    private final AtomicBoolean restoring = new AtomicBoolean();

    /** @param stores the offerer's writes: a restore, too, never lands after a stop's clearing */
    OurSlot(SignalBoard board, BoardName name, SignalFormat.PublishedOffer published, WriteGate stores, Clock clock) {
        this.board = board;
        this.name = name;
        this.published = published;
        this.stores = stores;
        this.clock = clock;
    }

    /**
     * Reads one value found under our offer's name.
     *
     * @param all every distinct value found there in this look
     * @return Accepted when another offerer's offer displaced ours; Empty or Refused (with the reason) otherwise
     */
    Reading<Displaced> read(DhtValue value, List<DhtValue> all) {
        boolean oursThere = all.contains(published.value());
        if (value.equals(published.value())) {
            return Reading.empty();
        }
        String ourId = published.message().offerId();
        Reading<SignalFormat.ReceivedOffer> reading = board.format().readOffer(value, board.keyOf(name));
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
                    return Reading.accepted(new Displaced());
                }
                notDisplacing = "it is an offer without an id or expiry (an original peer's) beside ours; keeping our slot";
            } else if (other.notLiveBecause(clock.instant()) != null) {
                notDisplacing = "it is another offer, but " + other.notLiveBecause(clock.instant()) + "; keeping our slot";
            } else if (!oursThere || other.offerId().compareTo(ourId) < 0) {
                return Reading.accepted(new Displaced());
            } else {
                notDisplacing = "another offerer's live offer is there beside ours; ours keeps the slot (smaller offer id)";
            }
        }
        // Values are read in order and a displacing one ends the wait, so at the last value we know that none
        // of them was a live offer of another offerer: only then is storing ours again no harm to anyone.
        if (!oursThere && value.equals(all.get(all.size() - 1))) {
            restore();
        }
        if (reading instanceof Reading.Refused<SignalFormat.ReceivedOffer> r) {
            return new Reading.Refused<>(r.reason() + "; keeping our slot", r.unopened(), false);
        }
        return notDisplacing == null ? Reading.empty() : Reading.refused(notDisplacing);
    }

    /** Stores our offer again where something else replaced it; one store at a time. */
    private void restore() {
        if (restoring.compareAndSet(false, true)) {
            log.info("something replaced our offer under {}; storing it again", board.describe(name));
            stores.start(() -> board.put(name, published.value())).whenComplete((r, e) -> restoring.set(false));
        }
    }
}
