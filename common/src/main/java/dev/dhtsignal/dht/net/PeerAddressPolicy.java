package dev.dhtsignal.dht.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Set;

/**
 * Which addresses this node may contact and keep as contacts. Public addresses always; loopback and
 * private ones only when the node itself is on such an address, so that a stranger's reply listing
 * 127.0.0.1:53 or 10.0.0.1 cannot point the node at services of its own host or network; unusable ones
 * never.
 *
 * <p>The node is on a scope when it is bound to an address of it, or, bound to a wildcard address, when
 * one of its interfaces has such an address (loopback excepted: every host has one). It is also on the
 * scope of the addresses its operator told it to join, and on loopback once a datagram has arrived from
 * a loopback address, which the kernel lets only the same host send. Thread-safe.
 */
public final class PeerAddressPolicy {
    private final Set<AddressScope> allowed = EnumSet.of(AddressScope.PUBLIC);

    /** The policy of a node bound to {@code bindAddress}. */
    public static PeerAddressPolicy forBindAddress(InetAddress bindAddress) {
        PeerAddressPolicy policy = new PeerAddressPolicy();
        if (!bindAddress.isAnyLocalAddress()) {
            policy.allow(bindAddress);
            return policy;
        }
        try {
            Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                NetworkInterface i = interfaces.nextElement();
                if (!i.isUp() || i.isLoopback()) {
                    continue;
                }
                for (Enumeration<InetAddress> as = i.getInetAddresses(); as.hasMoreElements(); ) {
                    policy.allow(as.nextElement());
                }
            }
        } catch (SocketException e) {
            // No interface list: public addresses only, plus what the operator and loopback traffic add.
        }
        return policy;
    }

    /** A policy for tests: exactly these scopes besides public. */
    public static PeerAddressPolicy allowing(Set<AddressScope> scopes) {
        PeerAddressPolicy policy = new PeerAddressPolicy();
        for (AddressScope s : scopes) {
            if (s != AddressScope.UNUSABLE) {
                policy.allowed.add(s);
            }
        }
        return policy;
    }

    private PeerAddressPolicy() {
    }

    /** The node is on this address's scope too (an address its operator gave, or where it is bound). */
    public synchronized void allow(InetAddress address) {
        AddressScope scope = AddressScope.of(address);
        if (scope != AddressScope.UNUSABLE) {
            allowed.add(scope);
        }
    }

    /** A datagram came from {@code source}: one from loopback proves the node is reachable on loopback. */
    public void observedSource(InetAddress source) {
        if (source.isLoopbackAddress()) {
            synchronized (this) {
                allowed.add(AddressScope.LOOPBACK);
            }
        }
    }

    /** Whether a peer may be contacted at, and kept as a contact under, this address. */
    public synchronized boolean usable(InetSocketAddress address) {
        if (address.isUnresolved() || address.getPort() < 1 || address.getPort() > 65535) {
            return false;
        }
        return allowed.contains(AddressScope.of(address.getAddress()));
    }

    public synchronized Set<AddressScope> allowedScopes() {
        return EnumSet.copyOf(allowed);
    }
}
