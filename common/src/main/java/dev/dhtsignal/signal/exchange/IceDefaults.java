package dev.dhtsignal.signal.exchange;

import dev.dhtsignal.rtc.IceServer;
import java.util.List;

/**
 * The STUN servers a peer uses without being told ({@code --no-default-stun} turns both off).
 *
 * @param nodeStun use the node joined through as a STUN server when it says it answers STUN
 *                 ({@code stun:<its address>}): every dht-server does, the original's Python nodes do not
 * @param fallback used when no node offers STUN and no server was given: on the Mainline DHT, where a peer
 *                 joins through strangers, a few public STUN servers ({@link #PUBLIC_STUN}); none on the
 *                 original network
 */
public record IceDefaults(boolean nodeStun, List<IceServer> fallback) {
    /**
     * Public STUN servers for the Mainline DHT, from two operators: Google's (the one most WebRTC
     * applications name) and Cloudflare's. STUN tells a peer its own public address and nothing else; a
     * server's operator learns that the peer's address ran a WebRTC session.
     */
    public static final List<IceServer> PUBLIC_STUN = List.of(
            IceServer.parse("stun:stun.l.google.com:19302"),
            IceServer.parse("stun:stun.cloudflare.com:3478"));

    /** Nothing by default: only the servers given. */
    public static final IceDefaults NONE = new IceDefaults(false, List.of());

    public IceDefaults {
        fallback = List.copyOf(fallback);
    }
}
