package dev.dhtsignal.rtc;

/**
 * Something the WebRTC stack refused or could not do: a native operation reported failure, the
 * connection failed or closed, or the native library could not be loaded. The message always
 * says which operation failed and, where the native side gave one, its error text.
 */
public final class RtcException extends RuntimeException {
    public RtcException(String message) {
        super(message);
    }

    public RtcException(String message, Throwable cause) {
        super(message, cause);
    }
}
