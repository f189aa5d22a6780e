package dev.dhtsignal.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Waiting in tests: on a condition or a future, always with a deadline and a message naming what. */
public final class Await {
    /** The default limit: generous, so that only a real hang fails a test on a busy machine. */
    public static final Duration DEADLINE = Duration.ofSeconds(30);

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} when {@code limit} passes. */
    public static void until(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(pause);  // polling interval, not a fixed wait: the deadline bounds the whole
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    /** The future's value; fails naming {@code what} if it does not complete within {@code limit}. */
    public static <T> T result(String what, Duration limit, CompletableFuture<T> future) {
        try {
            return future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + limit.toMillis() + " ms waiting for " + what);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what);
        }
    }

    public static <T> T result(String what, CompletableFuture<T> future) {
        return result(what, DEADLINE, future);
    }

    /** The exception {@code future} fails with (unwrapped); fails the test if it succeeds or hangs. */
    public static Throwable failure(String what, CompletableFuture<?> future) {
        try {
            Object value = future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError(what + " should have failed but gave " + value);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null
                    ? cause.getCause() : cause;
        } catch (TimeoutException e) {
            throw new AssertionError(what + " neither failed nor succeeded within " + DEADLINE.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what);
        }
    }
}
