package dev.dhtsignal.signal;

/**
 * Signaling could not go on. The message is written for the person running the program: it names what
 * was awaited and where (the key, the DHT address, the time limit).
 */
public class SignalingException extends RuntimeException {
    public SignalingException(String message) {
        super(message);
    }

    public SignalingException(String message, Throwable cause) {
        super(message, cause);
    }
}
