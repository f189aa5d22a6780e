package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * BEP 32, IPv6 nodes: a reply lists IPv4 nodes in {@code nodes} (26 bytes each) and IPv6 nodes in
 * {@code nodes6} (38 bytes each: id, 16 address bytes, port). Which a querier gets is what its
 * {@code want} list asks for ({@code "n4"}, {@code "n6"}), or, without one, the family it asked over.
 * A node on a dual-stack socket (bound to {@code ::}) reaches both families, so it asks for both.
 */
final class NodeFamilies {
    static final String WANT = "want";
    private static final byte[] N4 = "n4".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] N6 = "n6".getBytes(StandardCharsets.US_ASCII);

    private NodeFamilies() {
    }

    /** Which node lists a reply carries. */
    record Want(boolean v4, boolean v6) {
        /** From the query's {@code want} list; without a usable one, the family of the address it came from. */
        static Want of(Dict arguments, InetSocketAddress querier) {
            Object raw = arguments.raw(WANT);
            if (raw instanceof List<?> list) {
                boolean v4 = false;
                boolean v6 = false;
                for (Object entry : list) {
                    if (entry instanceof byte[] b) {
                        v4 |= java.util.Arrays.equals(b, N4);
                        v6 |= java.util.Arrays.equals(b, N6);
                    }
                }
                if (v4 || v6) {
                    return new Want(v4, v6);
                }
            }
            boolean v6 = querier.getAddress() instanceof Inet6Address;
            return new Want(!v6, v6);
        }
    }

    /**
     * The {@code want} a node asks with: both families on a dual-stack socket, none (its own family by
     * default) on a socket of one family.
     */
    static List<byte[]> wantFor(InetSocketAddress bound) {
        InetAddress a = bound.getAddress();
        return a instanceof Inet6Address && a.isAnyLocalAddress() ? List.of(N4, N6) : null;
    }

    /** The up to {@code k} closest contacts of each wanted family, IPv4 ones first. */
    static List<Contact> closest(RoutingTable routing, NodeId target, int k, InetSocketAddress exclude, Want want) {
        List<Contact> all = routing.closest(target, Integer.MAX_VALUE, exclude);
        List<Contact> v4 = new ArrayList<>();
        List<Contact> v6 = new ArrayList<>();
        for (Contact c : all) {
            boolean six = c.address().getAddress() instanceof Inet6Address;
            if (six && want.v6() && v6.size() < k) {
                v6.add(c);
            } else if (!six && want.v4() && v4.size() < k) {
                v4.add(c);
            }
        }
        v4.addAll(v6);
        return v4;
    }

    /** The contacts of a reply's {@code nodes} and {@code nodes6}, at most {@code max} of each. */
    static List<Contact> decode(Dict values, int max) throws KrpcFormatException {
        List<Contact> out = new ArrayList<>(CompactAddress.decodeNodes(values.optBytes("nodes").orElse(new byte[0]), max));
        out.addAll(CompactAddress.decodeNodes6(values.optBytes("nodes6").orElse(new byte[0]), max));
        return out;
    }

    /** Whether a socket bound to {@code bound} can reach {@code contact}. */
    static boolean reachable(InetSocketAddress bound, Contact contact) {
        InetAddress local = bound.getAddress();
        boolean six = contact.address().getAddress() instanceof Inet6Address;
        if (local instanceof Inet6Address) {
            return six || local.isAnyLocalAddress();
        }
        return !six;
    }

}
