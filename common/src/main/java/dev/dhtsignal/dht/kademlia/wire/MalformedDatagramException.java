package dev.dhtsignal.dht.kademlia.wire;

/** A datagram the codec refuses, with the reason it is counted under. */
public final class MalformedDatagramException extends Exception {
    private final DropReason reason;

    public MalformedDatagramException(DropReason reason, String detail) {
        super(reason.label() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public DropReason reason() {
        return reason;
    }
}
