package dev.dhtsignal.rtc;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a description waits for its ICE candidates. WebRTC reports gathering complete only when every
 * STUN and TURN server has answered or given up, which for a server that never answers takes its whole
 * retransmission timeout (about 40 s). So the wait ends at the first of:
 * <ul>
 *   <li>gathering complete;</li>
 *   <li>the STUN limit ({@link RtcConfig#STUN_ANSWER_LIMIT}, 1 s) once some candidate is there and no TURN
 *       server is still to be heard from: a STUN binding is one round trip, so a STUN server silent for a second is unreachable (a
 *       public one on a LAN without Internet, a node that does not answer STUN), and waiting longer for it
 *       would only delay the round;</li>
 *   <li>at or after the STUN limit, the moment the last TURN server answers (a relay candidate or an
 *       error): an allocation takes two round trips and more over a lossy link, and cutting off a relay
 *       that is being set up would lose the one path that works behind symmetric NATs;</li>
 *   <li>the gathering limit ({@link RtcConfig#iceGatheringTimeout()}, 5 s), whatever is still silent.</li>
 * </ul>
 * The servers still silent when the wait ends are named in a warning and kept for
 * {@link RtcPeer#iceServerProblems()}. Thread-safe; {@link #recheck()} is called from the native thread
 * (each candidate or server error), so it only completes a future.
 */
final class GatheringWait {
    private static final Logger log = LoggerFactory.getLogger(GatheringWait.class);

    private final String name;
    private final IceServerWatch servers;
    private final Duration stunLimit;
    private final Duration limit;
    private final Dispatcher dispatcher;
    private final CompletableFuture<Void> complete;
    /** Servers that had not answered when the wait ended short of complete gathering, in words. */
    private final List<String> silent = new CopyOnWriteArrayList<>();
    /** When the current wait started ({@link System#nanoTime()}), 0 when none runs. */
    private volatile long startedNanos;
    private volatile CompletableFuture<Void> enough;

    /**
     * @param complete completed when WebRTC reports gathering complete
     */
    GatheringWait(String name, IceServerWatch servers, RtcConfig config, Dispatcher dispatcher, CompletableFuture<Void> complete) {
        this.name = name;
        this.servers = servers;
        this.limit = config.iceGatheringTimeout();
        this.stunLimit = RtcConfig.STUN_ANSWER_LIMIT.compareTo(limit) < 0 ? RtcConfig.STUN_ANSWER_LIMIT : limit;
        this.dispatcher = dispatcher;
        this.complete = complete;
    }

    /**
     * Completes (on a worker thread) when the candidates gathered so far are enough to send, by the rules
     * above; fails only if gathering failed (the peer was closed).
     */
    CompletableFuture<Void> start() {
        CompletableFuture<Void> wait = new CompletableFuture<>();
        startedNanos = System.nanoTime();
        enough = wait;
        complete.whenComplete((ok, failure) -> {
            if (failure != null) {
                wait.completeExceptionally(failure);
            } else {
                wait.complete(null);
            }
        });
        // Both timers only look: the STUN limit ends the wait if no TURN server is pending, the whole
        // limit ends it in any case.
        dispatcher.withTimeout(wait, stunLimit, "the STUN limit").whenComplete((ok, failure) -> recheck());
        dispatcher.withTimeout(wait, limit, "the gathering limit").whenComplete((ok, failure) -> endShort(wait, limit));
        return dispatcher.async(wait).thenRun(() -> { });
    }

    /** Ends the wait if the STUN limit has passed and no TURN server is still to be heard from. */
    void recheck() {
        CompletableFuture<Void> wait = enough;
        if (wait == null || wait.isDone()) {
            return;
        }
        if (System.nanoTime() - startedNanos >= stunLimit.toNanos() && servers.anyCandidate() && !servers.turnPending()) {
            endShort(wait, stunLimit);
        }
    }

    /** The servers that were still silent when a wait ended early, in words. */
    List<String> silentServers() {
        return List.copyOf(silent);
    }

    /** Ends the wait with the candidates gathered so far; {@code limit} is the limit that ended it, for the warnings. */
    private void endShort(CompletableFuture<Void> wait, Duration limit) {
        synchronized (this) {
            if (wait.isDone()) {
                return;
            }
            List<String> quiet = servers.silent(limit);
            silent.addAll(quiet);
            if (quiet.isEmpty()) {
                log.warn("{}: ICE gathering did not finish within {} ms; going on with the candidates gathered so far",
                        name, limit.toMillis());
            }
            quiet.forEach(what -> log.warn("{}: {}", name, what));
            wait.complete(null);
        }
    }
}
