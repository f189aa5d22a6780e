package dev.dhtsignal.server;

import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.server.http.GatewayLimits;
import dev.dhtsignal.server.http.GatewayOptions;
import dev.dhtsignal.server.http.HttpGateway;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the HTTP gateway for {@code --http}. A class of its own so that the command refers to the
 * gateway only through it: a DHT-only start never loads the HTTP server's classes.
 */
final class GatewayLauncher {
    private GatewayLauncher() {
    }

    static AutoCloseable start(KademliaNode node, String bind, int port, List<String> allowedOrigins, List<String> hostNames,
                               List<String> trustedProxies, int rate, int maxWaits, int maxValueBytes, Duration dhtTimeout)
            throws IOException {
        List<InetAddress> proxies = new ArrayList<>();
        for (String proxy : trustedProxies) {
            InetAddress a = NetUtil.createInetAddressFromIpAddressString(proxy);
            if (a == null) {
                throw new IllegalArgumentException("--http-trust-proxy takes an IP address, got '" + proxy + "'");
            }
            proxies.add(a);
        }
        GatewayOptions options = new GatewayOptions(new InetSocketAddress(InetAddress.getByName(bind), port),
                allowedOrigins, hostNames, proxies, GatewayLimits.forRate(rate, maxWaits),
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
