package dev.dhtsignal.dht;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Waiting in tests: on a condition or a future, always with a deadline and a message naming what. */
public final class Await {
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
        return result(what, Duration.ofSeconds(30), future);
    }
}
