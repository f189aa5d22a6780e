package dev.dhtsignal.rtc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message received on a {@link RtcDataChannel}.
 *
 * @param data   the payload; a copy owned by the receiver (until it gives the array back with
 *               {@link RtcDataChannel#recycle(byte[])}, if it does)
 * @param binary {@code true} if the sender used {@link RtcDataChannel#send(byte[])},
 *               {@code false} for {@link RtcDataChannel#send(String)}
 */
public record ChannelMessage(byte[] data, boolean binary) {
    public ChannelMessage {
        Objects.requireNonNull(data, "data");
    }

    /** The payload decoded as UTF-8 (how text messages are encoded on the wire). */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChannelMessage that && binary == that.binary && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Boolean.hashCode(binary);
    }

    @Override
    public String toString() {
        return (binary ? "binary" : "text") + " message of " + data.length + " bytes";
    }
}
