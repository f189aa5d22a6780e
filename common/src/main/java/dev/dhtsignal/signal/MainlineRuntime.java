package dev.dhtsignal.signal;

import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.rtc.RtcFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a peer runs on with {@code --network mainline}: the WebRTC factory and a read-only (BEP 43) node in
 * the Mainline DHT, joined through the given addresses. They start in parallel with the session's key
 * derivation, and close in reverse order.
 */
public final class MainlineRuntime implements AutoCloseable {
    private final RtcFactory rtc;
    private final MainlineNode node;

    private MainlineRuntime(RtcFactory rtc, MainlineNode node) {
        this.rtc = rtc;
        this.node = node;
    }

    /**
     * @param joinLimit how long joining may take in all
     * @throws SignalingException when no bootstrap address answers or WebRTC cannot load
     */
    public static MainlineRuntime start(BoardOptions options, List<InetSocketAddress> bootstrap, Duration joinLimit,
                                        String name) {
        if (bootstrap.isEmpty()) {
            throw new SignalingException("no address to join the Mainline DHT through (give --bootstrap HOST:PORT)");
        }
        MainlineNode node;
        try {
            InetAddress any = InetAddress.getByName(bootstrap.get(0).getAddress() instanceof java.net.Inet6Address ? "::" : "0.0.0.0");
            node = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(any, 0)).withThreadName(name + "-mainline"));
        } catch (IOException e) {
            throw new SignalingException("cannot open a UDP socket for the Mainline DHT: " + e.getMessage(), e);
        }
        CompletableFuture<Integer> joined = node.bootstrap(bootstrap);
        // A short code has no secret yet (its key exchange comes later): then there is nothing to derive.
        CompletableFuture<Void> prepared = options.secret() == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> options.secret().prepare());
        RtcFactory rtc;
        try {
            rtc = new RtcFactory();
        } catch (RuntimeException e) {
            node.close();
            throw new SignalingException("WebRTC could not start: " + e.getMessage(), e);
        }
        try {
            Waits.await(prepared, joinLimit, "deriving the session's keys");
            int reached = Waits.await(joined, joinLimit, "joining the Mainline DHT");
            if (reached == 0) {
                throw new SignalingException("no answer from any of " + bootstrap.size() + " bootstrap addresses of the "
                        + "Mainline DHT (" + describe(bootstrap) + ")");
            }
            return new MainlineRuntime(rtc, node);
        } catch (RuntimeException e) {
            rtc.close();
            node.close();
            throw e;
        }
    }

    private static String describe(List<InetSocketAddress> addresses) {
        StringBuilder sb = new StringBuilder();
        for (InetSocketAddress a : addresses) {
            sb.append(sb.length() == 0 ? "" : ", ").append(dev.dhtsignal.dht.Endpoints.format(a));
        }
        return sb.toString();
    }

    public RtcFactory rtc() {
        return rtc;
    }

    public MainlineNode node() {
        return node;
    }

    @Override
    public void close() {
        rtc.close();
        node.close();
    }
}
