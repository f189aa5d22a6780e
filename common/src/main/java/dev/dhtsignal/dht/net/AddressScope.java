package dev.dhtsignal.dht.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Where an IP address can be reached from, which decides whether a peer may have it. Addresses no peer
 * can have (unspecified, multicast, broadcast, reserved) are {@link #UNUSABLE}; loopback addresses are
 * reachable only from the same host and private ones only from the same network, so a node uses them
 * only when it is itself on such an address (see {@link PeerAddressPolicy}).
 */
public enum AddressScope {
    /** Cannot be a peer: 0.0.0.0/8, ::, multicast, 255.255.255.255, 240.0.0.0/4. */
    UNUSABLE,
    /** This host only: 127.0.0.0/8, ::1. */
    LOOPBACK,
    /**
     * One network only: RFC 1918, shared address space 100.64.0.0/10, link-local, the benchmarking range
     * 198.18.0.0/15 (test networks), IPv6 unique-local fc00::/7 and site-local.
     */
    PRIVATE,
    /** Anything else: reachable across the Internet. */
    PUBLIC;

    public static AddressScope of(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return UNUSABLE;
        }
        if (address.isLoopbackAddress()) {
            return LOOPBACK;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0 || first >= 240) {
                return UNUSABLE;  // "this network", reserved, and the limited broadcast 255.255.255.255
            }
            if (address.isSiteLocalAddress() || address.isLinkLocalAddress()
                    || (first == 100 && (second & 0xc0) == 64)
                    || (first == 198 && (second & 0xfe) == 18)) {
                return PRIVATE;
            }
            return PUBLIC;
        }
        if (address instanceof Inet6Address) {
            if (address.isSiteLocalAddress() || address.isLinkLocalAddress() || (b[0] & 0xfe) == 0xfc) {
                return PRIVATE;
            }
        }
        return PUBLIC;
    }
}
