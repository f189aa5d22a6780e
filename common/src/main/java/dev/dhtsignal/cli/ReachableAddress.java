package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;

/**
 * The DHT address to tell the other machine. A node reached here as 127.0.0.1 is, for the other
 * machine, this machine's own address; this picks one of its addresses other machines can use.
 */
public final class ReachableAddress {
    private ReachableAddress() {
    }

    /** {@code dht} itself when it is not local, else this machine's address with its port; empty when none is known. */
    public static Optional<String> of(InetSocketAddress dht) {
        if (!isLocal(dht)) {
            return Optional.of(Endpoints.format(dht));
        }
        return instead(dht).map(Endpoints::format);
    }

    /**
     * For a node reached here on loopback (or the wildcard address), the address {@link #of} gives the
     * other machine instead: this machine's address with the node's port. Empty when {@code dht} is not
     * local, or no such address is known.
     */
    public static Optional<InetSocketAddress> instead(InetSocketAddress dht) {
        if (!isLocal(dht)) {
            return Optional.empty();
        }
        return machineAddress().map(a -> new InetSocketAddress(a, dht.getPort()));
    }

    /**
     * A {@code HOST:PORT} as the user typed it (a --bootstrap node), for the other machine: this machine's
     * address when it names this machine (127.0.0.1, localhost), else the text as it is (a name stays a name).
     */
    public static String ofText(String hostPort) {
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(hostPort);
        } catch (IllegalArgumentException e) {
            return hostPort;  // checked where it was used; printed as given
        }
        return isLocal(address) ? of(address).orElse(hostPort) : hostPort;
    }

    private static boolean isLocal(InetSocketAddress dht) {
        InetAddress address = dht.getAddress();
        return address != null && (address.isLoopbackAddress() || address.isAnyLocalAddress());
    }

    /** An IPv4 address of an interface that is up and not loopback (link-local ones last of all: none). */
    private static Optional<InetAddress> machineAddress() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return Optional.of(a);
                    }
                }
            }
        } catch (SocketException e) {
            // No interfaces to look at: none known.
        }
        return Optional.empty();
    }
}
