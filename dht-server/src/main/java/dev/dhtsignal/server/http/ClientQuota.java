package dev.dhtsignal.server.http;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Places held at once (long-polls, connections): at most so many per client address, per client network
 * and in total. Every place taken is given back exactly once by its holder; the maps hold only clients
 * that hold a place, so they stay bounded by the total. Thread-safe.
 */
final class ClientQuota {
    private final String what;
    private final int total;
    private final int perClient;
    private final int perPrefix;
    private final Map<InetAddress, Integer> byClient = new HashMap<>();
    private final Map<InetAddress, Integer> byPrefix = new HashMap<>();
    private int held;

    /** {@code what} names the places in refusals: "waits", "connections". */
    ClientQuota(String what, int total, int perClient, int perPrefix) {
        this.what = what;
        this.total = total;
        this.perClient = perClient;
        this.perPrefix = perPrefix;
    }

    /** Which refusal a request over a limit gets: one client's own, or everyone's. */
    enum Over { CLIENT, PREFIX, TOTAL }

    /** Why a place was refused. */
    record Refusal(Over over, String reason) {
    }

    /**
     * Takes a place for {@code client}, unless it is exempt from the per-client limits (a trusted proxy,
     * which carries many clients), in which case only the total applies. Null when taken.
     */
    synchronized Refusal take(ClientAddress client, boolean exempt) {
        int mine = byClient.getOrDefault(client.address(), 0);
        int network = byPrefix.getOrDefault(client.prefix(), 0);
        if (!exempt && mine >= perClient) {
            return new Refusal(Over.CLIENT, client.address().getHostAddress() + " already holds " + mine + " " + what
                    + " (at most " + perClient + ")");
        }
        if (!exempt && network >= perPrefix) {
            return new Refusal(Over.PREFIX, "the network " + client.prefixText() + " already holds " + network + " " + what
                    + " (at most " + perPrefix + ")");
        }
        if (held >= total) {
            return new Refusal(Over.TOTAL, "the gateway holds " + held + " " + what + ", its most; try again shortly");
        }
        byClient.merge(client.address(), 1, Integer::sum);
        byPrefix.merge(client.prefix(), 1, Integer::sum);
        held++;
        return null;
    }

    synchronized void release(ClientAddress client) {
        held--;
        byClient.computeIfPresent(client.address(), (c, n) -> n <= 1 ? null : n - 1);
        byPrefix.computeIfPresent(client.prefix(), (c, n) -> n <= 1 ? null : n - 1);
    }

    synchronized int held() {
        return held;
    }
}
