package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Endpoints;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Where a node joins the Mainline DHT: addresses a user gives, or else the network's well-known routers. */
public final class Routers {
    /** The routers BitTorrent clients join through; used only when no address is given. */
    public static final List<String> WELL_KNOWN = List.of(
            "router.bittorrent.com:6881", "router.utorrent.com:6881", "dht.transmissionbt.com:6881");

    private Routers() {
    }

    /**
     * Resolves {@code given} (HOST:PORT each), or the well-known routers when it is empty. Names that do not
     * resolve are reported to {@code warn} and left out; an unparsable address is an error.
     *
     * @throws IllegalArgumentException for an address that is not HOST:PORT
     */
    public static List<InetSocketAddress> resolve(List<String> given, Consumer<String> warn) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String spec : given.isEmpty() ? WELL_KNOWN : given) {
            try {
                out.add(Endpoints.parseAndResolve(spec));
            } catch (IllegalArgumentException e) {
                if (e.getCause() instanceof java.net.UnknownHostException) {
                    warn.accept("cannot resolve " + spec + "; joining without it");
                } else {
                    throw e;
                }
            }
        }
        return out;
    }
}
