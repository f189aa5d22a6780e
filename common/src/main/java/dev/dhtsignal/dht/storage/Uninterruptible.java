package dev.dhtsignal.dht.storage;

import java.io.IOException;

/**
 * Runs a short {@link java.nio.channels.FileChannel} operation with the calling thread's interrupt flag
 * set aside, and restores the flag afterwards. A channel used by an interrupted thread closes itself and
 * throws {@code ClosedByInterruptException}; the node interrupts its threads while shutting down, and a
 * store operation racing that should still complete. Only for operations that cannot block for long.
 */
final class Uninterruptible {
    private Uninterruptible() {
    }

    interface IoCall<T> {
        T call() throws IOException;
    }

    static <T> T call(IoCall<T> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return call.call();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
