package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Waits;
import dev.dhtsignal.rtc.IcePath;
import dev.dhtsignal.rtc.RtcPeer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Says how two peers are connected, or why they could not connect, from WebRTC's own statistics: which
 * candidate pair carries the data (host, srflx, prflx, relay), or which pairs were tried and what would help.
 */
public final class PathReport {
    /** Reading the statistics is a local call; this only guards against a stalled native thread. */
    private static final Duration STATS_LIMIT = Duration.ofSeconds(3);
    /** How often a connection under way is looked at for a sign of the other peer. */
    private static final Duration LOOK = Duration.ofMillis(500);

    private PathReport() {
    }

    /**
     * One line: "connected in 85 ms: local srflx udp A:p <-> remote srflx udp B:q (through NAT, rtt 2 ms)", the
     * time being what ICE and DTLS took once both descriptions were known.
     */
    public static String connected(RtcPeer peer) {
        String took = peer.timeToConnect().map(d -> " in " + d.toMillis() + " ms").orElse("");
        try {
            IcePath path = get(peer.selectedPath());
            return "connected" + took + ": " + path;
        } catch (Exception e) {
            return "connected" + took + " (the path in use is unknown: " + e.getMessage() + ")";
        }
    }

    /**
     * Waits for a step that needs ICE to connect (the connection itself, or the channel opening on it): fails
     * as soon as the connection fails, not only at the limit, and then adds why no path worked.
     */
    static <T> T awaitConnecting(RtcPeer peer, CompletableFuture<T> step, Duration limit, String what, String them) {
        CompletableFuture<T> stepOrFailure = new CompletableFuture<>();
        step.whenComplete((value, failure) -> {
            if (failure == null) {
                stepOrFailure.complete(value);
            } else {
                stepOrFailure.completeExceptionally(failure);
            }
        });
        CompletableFuture<Void> connected = peer.connected();
        connected.whenComplete((value, failure) -> {
            if (failure != null) {
                stepOrFailure.completeExceptionally(failure);
            }
        });
        // While ICE runs, look now and then for a sign of the other peer: whether anything of it ever came
        // decides what a failure says (WebRTC forgets failed pairs, and their counters, by then).
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= LOOK.toNanos()) {
                    return Waits.await(stepOrFailure, Duration.ofNanos(Math.max(1, left)), what, limit);
                }
                try {
                    return stepOrFailure.get(LOOK.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillConnecting) {
                    peer.lookForThePeer();
                } catch (ExecutionException ended) {
                    return Waits.await(stepOrFailure, limit, what);  // says how it ended, as ever
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Waits.await(stepOrFailure, limit, what);  // ends at once, saying so
                }
            }
        } catch (SignalingException e) {
            if (connected.isDone() && !connected.isCompletedExceptionally()) {
                throw e;  // connected; what failed came later
            }
            String why;
            try {
                why = get(peer.whyNotConnected(them));
            } catch (Exception unknown) {
                throw e;
            }
            throw new SignalingException(e.getMessage() + ": " + why, e);
        }
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(STATS_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no statistics from WebRTC within " + Waits.seconds(STATS_LIMIT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }
}
