package dev.dhtsignal.signal;

/**
 * Nothing came within the time limit (no answer, no answerer): the wait itself ran out, nothing failed. A
 * program waiting for a person to pass a code on may begin another round of the same wait.
 */
public final class WaitTimedOut extends SignalingException {
    public WaitTimedOut(String message) {
        super(message);
    }
}
