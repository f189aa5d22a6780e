package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalingException;

/**
 * The key exchange did not confirm: the other side used another code, or a third party took part. Either
 * way this code is used up (whoever it was had their one guess), and the users start again with a new one.
 */
public final class WrongCodeException extends SignalingException {
    public static final String MESSAGE = "wrong code, or someone interfered: start again with a new code";

    public WrongCodeException() {
        super(MESSAGE);
    }
}
