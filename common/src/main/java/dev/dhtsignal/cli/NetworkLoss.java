package dev.dhtsignal.cli;

import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.board.Network;

/**
 * Ends a peer's wait as soon as its network has stopped answering ({@link Network#lost()}: the DHT node it
 * joined through is gone), instead of at the end of {@code --timeout}: the waiting thread is interrupted,
 * its wait ends with a {@link SignalingException}, and {@link #explain} gives the person the real reason.
 * Only while the peer waits on the network: once connected, the DHT is no longer needed.
 */
public final class NetworkLoss implements AutoCloseable {
    private final Thread waiting;
    private String message;
    private boolean active = true;

    private NetworkLoss(Thread waiting) {
        this.waiting = waiting;
    }

    /** Watches {@code network} for the calling thread, which is about to wait on it. */
    public static NetworkLoss watch(Network network) {
        NetworkLoss loss = new NetworkLoss(Thread.currentThread());
        network.lost().thenAccept(loss::lost);
        return loss;
    }

    private synchronized void lost(String why) {
        if (active) {
            message = why;
            waiting.interrupt();
        }
    }

    /** What to tell the person about a failed wait: the network's loss if that ended it, else its own message. */
    public synchronized String explain(SignalingException e) {
        return message != null ? message : e.getMessage();
    }

    /** The wait is over (connected): the network may come and go now. Called by the waiting thread. */
    @Override
    public synchronized void close() {
        if (active && message != null) {
            Thread.interrupted();  // lost just as the wait ended: the interrupt is not for what follows
        }
        active = false;
    }
}
