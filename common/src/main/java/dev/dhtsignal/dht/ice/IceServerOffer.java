package dev.dhtsignal.dht.ice;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a DHT node offers the peers that join it for crossing NATs, as its {@code ice_servers} reply
 * carries it: whether it answers STUN on its own port, and TURN servers with fresh credentials.
 *
 * <p>The node does not name its STUN address: bound to 0.0.0.0 it cannot know which of its addresses a
 * request came to. The peer knows where it sent the request, so it builds the URL itself
 * ({@link #stunUrl}).
 *
 * @param stun whether the node answers STUN Binding requests on the port it was asked on
 * @param turn TURN servers with credentials, possibly none
 */
public record IceServerOffer(boolean stun, List<TurnServer> turn) {
    public static final IceServerOffer NONE = new IceServerOffer(false, List.of());

    public IceServerOffer {
        turn = List.copyOf(turn);
    }

    /** {@code stun:HOST:PORT} for a node asked at {@code node} (an IPv6 host in brackets). */
    public static String stunUrl(InetSocketAddress node) {
        String host = node.getAddress().getHostAddress();
        if (node.getAddress() instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return "stun:" + host + ":" + node.getPort();
    }
}
