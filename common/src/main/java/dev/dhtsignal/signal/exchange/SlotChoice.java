package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.Reading;
import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which slot of the session an offerer takes: one without a live offer in it, and what it clears there
 * first. Plain sessions take the first free slot, since the original answerer only looks at slot 0;
 * sealed ones a random one, so that offerers starting together rarely pick the same.
 */
final class SlotChoice {
    private static final Logger log = LoggerFactory.getLogger(SlotChoice.class);

    private final SignalBoard board;
    private final SignalingOptions options;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    SlotChoice(SignalBoard board, SignalingOptions options, Clock clock) {
        this.board = board;
        this.options = options;
        this.clock = clock;
    }

    /**
     * The slot {@link #free} will most likely take: the first one not lost for plain sessions, a random
     * one of those for sealed ones.
     */
    int likely(Set<Integer> lost) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < options.slots(); i++) {
            if (!lost.contains(i)) {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty()) {
            return 0;  // free() will say that no slot is free
        }
        return board.sealed() ? candidates.get(random.nextInt(candidates.size())) : candidates.get(0);
    }

    /**
     * A slot without a live offer in it: empty, cleared, expired, unreadable, or an offer of the original
     * peers (which carries no expiry, so we cannot tell it is live and overwrite it as they would);
     * {@code likely} when it is free.
     *
     * @param lost slots another offerer took from us: never taken again
     * @throws SignalingException when every slot holds a live offer
     */
    int free(Set<Integer> lost, int likely) {
        List<CompletableFuture<List<DhtValue>>> reads = new ArrayList<>();
        for (int i = 0; i < options.slots(); i++) {
            reads.add(board.getAll(BoardName.offer(i)));
        }
        Instant now = clock.instant();
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            BoardName name = BoardName.offer(i);
            List<DhtValue> values = Waits.await(reads.get(i), options.pace().stepLimit(),
                    "reading " + board.describe(name) + " on " + board.where());
            if (lost.contains(i)) {
                continue;
            }
            boolean live = values.stream().anyMatch(v -> board.format().readOffer(v, board.keyOf(name))
                    instanceof Reading.Accepted<SignalFormat.ReceivedOffer> a
                    && a.message().message().expires() != null && a.message().message().notLiveBecause(now) == null);
            if (live) {
                log.info("{} holds a live offer of another offerer", board.describe(name));
            } else {
                free.add(i);
            }
        }
        if (free.contains(likely)) {
            return likely;
        }
        if (!free.isEmpty()) {
            return board.sealed() ? free.get(random.nextInt(free.size())) : free.get(0);
        }
        throw new SignalingException("all " + options.slots() + " offer slots (" + board.describeOffers(options.slots())
                + ") hold live offers of other offerers on " + board.where()
                + "; try again later, or use a --session of your own");
    }

    /**
     * Clears answers left under the slot's answer ({@code reading}: the values read there), and returns
     * them so they are never taken as ours.
     */
    Set<DhtValue> clearStaleAnswers(int slot, CompletableFuture<List<DhtValue>> reading) {
        BoardName answer = BoardName.answer(slot);
        List<DhtValue> left = Waits.await(reading, options.pace().stepLimit(),
                "reading " + board.describe(answer) + " on " + board.where());
        Set<DhtValue> stale = new HashSet<>();
        for (DhtValue v : left) {
            if (!SignalFormat.isCleared(v)) {
                stale.add(v);
            }
        }
        if (!stale.isEmpty()) {
            log.info("clearing a stale answer left under {}", board.describe(answer));
            // Done before our offer goes out: a clear still under way then could land after the answer
            // to our offer and erase it.
            Waits.await(board.clear(answer), options.pace().stepLimit(),
                    "clearing a stale answer under " + board.describe(answer) + " on " + board.where());
        }
        return stale;
    }
}
