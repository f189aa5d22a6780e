package dev.dhtsignal.signal;

import java.util.Objects;

/** What came of reading one DHT value as a signaling message. */
public sealed interface Reading<T> {
    /** A message we can use. */
    record Accepted<T>(T message) implements Reading<T> {
        public Accepted {
            Objects.requireNonNull(message, "message");
        }
    }

    /** No value, or the empty string that clears a key. */
    record Empty<T>() implements Reading<T> {
    }

    /**
     * A value we will not use, and why.
     *
     * @param unopened it was a sealed value that did not authenticate: a forgery, a tampered value, or a
     *                 peer with another secret
     * @param quiet an expected sight (an offer we answered, still there until its offerer clears it), logged
     *              at debug level rather than as a warning
     */
    record Refused<T>(String reason, boolean unopened, boolean quiet) implements Reading<T> {
    }

    /** The same reading with an accepted message transformed. */
    default <U> Reading<U> map(java.util.function.Function<T, U> f) {
        if (this instanceof Accepted<T> a) {
            return new Accepted<>(f.apply(a.message()));
        }
        if (this instanceof Refused<T> r) {
            return new Refused<>(r.reason(), r.unopened(), r.quiet());
        }
        return new Empty<>();
    }

    static <T> Reading<T> accepted(T message) {
        return new Accepted<>(message);
    }

    static <T> Reading<T> empty() {
        return new Empty<>();
    }

    static <T> Reading<T> refused(String reason) {
        return new Refused<>(reason, false, false);
    }

    static <T> Reading<T> unopened(String reason) {
        return new Refused<>(reason, true, false);
    }

    static <T> Reading<T> skipped(String reason) {
        return new Refused<>(reason, false, true);
    }
}
