package dev.dhtsignal.dht.routing;

import dev.dhtsignal.dht.net.AddressScope;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The part of an IP address that one host, or one customer of a provider, controls: the whole address
 * for IPv4, the /64 for IPv6 (providers hand out at least a /64 per customer, so one host can pick any
 * address in it).
 */
final class IpPrefix {
    private final byte[] bytes;

    private IpPrefix(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The prefix of a public address, or null for loopback, private and unusable ones (not limited). */
    static IpPrefix ofPublic(InetAddress address) {
        return AddressScope.of(address) == AddressScope.PUBLIC ? of(address) : null;
    }

    static IpPrefix of(InetAddress address) {
        byte[] b = address.getAddress();
        return new IpPrefix(address instanceof Inet4Address ? b : Arrays.copyOf(b, 8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
