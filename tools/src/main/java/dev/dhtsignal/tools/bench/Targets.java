package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.dht.Endpoints;
import java.net.InetSocketAddress;

/** The node a raw-UDP tool aims at: a HOST:PORT typed by the user, kept to loopback unless allowed. */
final class Targets {
    private Targets() {
    }

    /**
     * Parses and resolves {@code text}. A target off loopback is refused unless {@code allowRemote}: these
     * tools send as fast as the node takes it, which is not something to do to another host by accident.
     */
    static InetSocketAddress parse(Object command, String text, boolean allowRemote) {
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(text);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(command, e.getMessage());
        }
        if (!allowRemote && !address.getAddress().isLoopbackAddress()) {
            throw Cli.usage(command, Endpoints.format(address) + " is not a loopback address; pass --allow-remote "
                    + "to send this traffic to another host on purpose");
        }
        return address;
    }
}
