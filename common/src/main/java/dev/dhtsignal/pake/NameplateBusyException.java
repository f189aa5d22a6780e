package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalingException;

/**
 * A value could not be written under a nameplate's key: the nodes refused it or none took it, or the key
 * holds what can never be replaced (on Mainline, an item whose sequence number is at its top). What the key
 * holds is then out of our hands, so an offerer choosing a nameplate takes this as "busy, try another".
 */
public final class NameplateBusyException extends SignalingException {
    public NameplateBusyException(String message) {
        super(message);
    }
}
