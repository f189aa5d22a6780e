package dev.dhtsignal.dht.mainline;

/** A node answered a query with a KRPC error. */
public final class KrpcErrorException extends RuntimeException {
    private final long code;

    public KrpcErrorException(long code, String message) {
        super("error " + code + ": " + message, null, false, false);
        this.code = code;
    }

    public long code() {
        return code;
    }
}
