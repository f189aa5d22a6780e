package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;

/**
 * How the message inside a sealed value is written, which is all that differs between the networks'
 * sealed formats ({@link SealedFormat}): the JSON the plain format uses ({@link JsonContent}), or a
 * compact form for networks that store at most about 1000 bytes per value ({@link CompactContent}).
 */
public interface SealedContent {
    /** The sealed box of {@code message}, bound to {@code key}. */
    byte[] seal(SealedBox.Kind kind, SignalMessage message, SharedSecret.SealKeys keys, NodeId key);

    /**
     * The message in a sealed box stored under {@code key}, checked to be of {@code kind} and to carry the
     * offer id and times.
     *
     * @throws SealedBox.SealException when it does not open (wrong secret, forged, moved, wrong kind)
     * @throws IllegalArgumentException when it opens but its content is malformed
     */
    SignalMessage open(byte[] box, SealedBox.Kind kind, SharedSecret.SealKeys keys, NodeId key) throws SealedBox.SealException;
}
