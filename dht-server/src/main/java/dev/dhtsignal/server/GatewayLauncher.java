package dev.dhtsignal.server;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.server.http.GatewayOptions;
import dev.dhtsignal.server.http.HttpGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Starts the HTTP gateway for {@code --http}. A class of its own so that the command refers to the
 * gateway only through it: a DHT-only start never loads the HTTP server's classes.
 */
final class GatewayLauncher {
    private GatewayLauncher() {
    }

    static AutoCloseable start(KademliaNode node, String bind, int port, List<String> allowedOrigins, int rate, int maxWaits,
                               int maxValueBytes, Duration dhtTimeout) throws IOException {
        GatewayOptions options = new GatewayOptions(new InetSocketAddress(InetAddress.getByName(bind), port),
                allowedOrigins, rate, rate * 3, maxWaits, GatewayOptions.DEFAULT_MAX_WAITS_PER_CLIENT,
                GatewayOptions.DEFAULT_LONGEST_WAIT, maxValueBytes, dhtTimeout.multipliedBy(3));
        return HttpGateway.start(node, options);
    }

    /** The line printed once the gateway listens: where to open the page. */
    static String readyLine(AutoCloseable gateway) {
        InetSocketAddress a = ((HttpGateway) gateway).address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "HTTP gateway and web page on http://" + host + ":" + a.getPort() + "/";
    }
}
