package dev.dhtsignal.signal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes of an exchange that a stop must have the last word over. A program being stopped clears what it
 * published on a thread of its own, while the exchange's thread goes on for a moment: that thread found its
 * value gone (the stop had just cleared it), took that for someone overwriting it, and wrote it again, after
 * the clearing; the process then exited with the value of a gone peer on the DHT, and the next peer took it
 * and waited in vain (seen in ShortCodeIT and PeersAtTheEdgesIT with the machine busy). So once the gate is
 * {@link #close closed} no write starts through it any more (it fails with "stopped"), and the close waits
 * for the writes already under way, so that the clearing sent after it lands last.
 */
public final class WriteGate {
    private static final Logger log = LoggerFactory.getLogger(WriteGate.class);

    private final Object lock = new Object();
    private final List<CompletableFuture<?>> underWay = new ArrayList<>();  // guarded by lock
    private boolean closed;  // guarded by lock

    /**
     * Starts {@code write} unless the gate is closed; the result completes as the write does, or fails at once
     * with "stopped".
     */
    public <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> write) {
        CompletableFuture<T> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(stopped());
            }
            underWay.add(done);
        }
        // Started outside the lock: a write may take its time handing itself over.
        CompletableFuture<T> started;
        try {
            started = write.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        started.whenComplete((value, failure) -> {
            synchronized (lock) {
                underWay.remove(done);
            }
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(value);
            }
        });
        return done;
    }

    /** Whether {@link #close} has begun: the exchange should end, its program is stopping. */
    public boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Closes the gate and waits, at most {@code limit}, for the writes under way to land (or fail). */
    public void close(Duration limit) {
        List<CompletableFuture<?>> pending;
        synchronized (lock) {
            closed = true;
            pending = List.copyOf(underWay);
        }
        try {
            Waits.await(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null),
                    limit, "the writes under way");
        } catch (SignalingException e) {
            log.debug("{}; clearing anyway", e.getMessage());
        }
    }

    /** What a write started through a closed gate fails with. */
    public static SignalingException stopped() {
        return new SignalingException("stopped: the exchange was withdrawn");
    }
}
