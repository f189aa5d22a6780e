package dev.dhtsignal.signal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocking on a future with a limit, turning every way it can end badly into a message naming what was awaited. */
public final class Waits {
    private Waits() {
    }

    public static <T> T await(CompletableFuture<T> future, Duration limit, String what) {
        return await(future, limit, what, limit);
    }

    /** As {@link #await(CompletableFuture, Duration, String)} for the rest of a longer wait: a timeout names {@code stated}. */
    public static <T> T await(CompletableFuture<T> future, Duration limit, String what, Duration stated) {
        try {
            return future.get(Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new SignalingException("gave up waiting for " + what + " after " + seconds(stated));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            if (cause instanceof SignalingException s) {
                throw s;
            }
            throw new SignalingException(what + " failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while waiting for " + what);
        }
    }

    /** A limit as people say it: whole seconds from one second up, else milliseconds. */
    public static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms >= 1_000 ? Math.round(ms / 1000.0) + " s" : ms + " ms";
    }
}
