package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.IceServer;
import java.util.List;

/** Where each new connection gets its STUN and TURN servers: fixed, or asked of the node joined through. */
public interface IceServerSource {
    /** The servers for a connection made now. */
    List<IceServer> current();

    /** What to advise when no path works and no relay was there; null for the general advice. */
    default String withoutRelayAdvice() {
        return null;
    }

    /** Always {@code servers}. */
    static IceServerSource fixed(List<IceServer> servers) {
        List<IceServer> copy = List.copyOf(servers);
        return () -> copy;
    }
}
