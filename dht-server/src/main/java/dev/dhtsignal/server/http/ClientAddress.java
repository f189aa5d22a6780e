package dev.dhtsignal.server.http;

import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Who a request counts against: the client's address, and its network (IPv4 /24, IPv6 /64). Limits are
 * applied to both, so that spreading over the addresses of one network gains an attacker nothing beyond the
 * network's share.
 *
 * @param address the client's address (the TCP peer, or the address a trusted proxy forwarded)
 * @param prefix the network: the address with its host bits cleared
 */
record ClientAddress(InetAddress address, InetAddress prefix) {
    static final String FORWARDED_FOR = "X-Forwarded-For";

    static ClientAddress of(InetAddress address) {
        InetAddress a = unmapped(address);
        return new ClientAddress(a, prefixOf(a));
    }

    /**
     * The client behind a request that arrived from {@code peer}. Only a trusted proxy's word is taken: then
     * the client is the last address in {@code X-Forwarded-For} that is not itself a trusted proxy (each
     * proxy appends the address it was reached from, so earlier entries are whatever the client claimed). A
     * header from anyone else, or one that names no address, is ignored.
     */
    static ClientAddress of(InetAddress peer, List<String> forwardedFor, List<InetAddress> trustedProxies) {
        InetAddress client = unmapped(peer);
        if (trustedProxies.contains(client)) {
            List<String> hops = forwardedFor.stream().flatMap(h -> Arrays.stream(h.split(","))).map(String::trim).toList();
            for (int i = hops.size() - 1; i >= 0; i--) {
                InetAddress hop = literal(hops.get(i));
                if (hop == null) {
                    break;  // not an address: nothing before it can be trusted either
                }
                client = unmapped(hop);
                if (!trustedProxies.contains(client)) {
                    break;
                }
            }
        }
        return new ClientAddress(client, prefixOf(client));
    }

    /** An IP address literal, never a name lookup; null when {@code text} is not one. */
    static InetAddress literal(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        return NetUtil.createInetAddressFromIpAddressString(t);
    }

    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                return byAddress(Arrays.copyOfRange(b, 12, 16));
            }
        }
        return a;
    }

    private static InetAddress prefixOf(InetAddress a) {
        byte[] b = a.getAddress();
        int keep = a instanceof Inet4Address ? 3 : 8;  // /24 or /64
        Arrays.fill(b, keep, b.length, (byte) 0);
        return byAddress(b);
    }

    private static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }

    /** The network as people write it: {@code 192.0.2.0/24}, {@code 2001:db8:0:0:0:0:0:0/64}. */
    String prefixText() {
        return prefix.getHostAddress() + (prefix instanceof Inet4Address ? "/24" : "/64");
    }
}
