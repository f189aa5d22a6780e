package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The compact forms of BEP 5: an address is its IP bytes then a big-endian port (6 bytes for IPv4, 18 for
 * IPv6); a node is its 20-byte id then its address (26 bytes; {@code nodes} is a run of them).
 */
public final class CompactAddress {
    public static final int IPV4_LENGTH = 6;
    public static final int NODE_LENGTH = NodeId.LENGTH + IPV4_LENGTH;
    public static final int IPV6_LENGTH = 18;
    /** A node in {@code nodes6} (BEP 32): id, 16 address bytes, port. */
    public static final int NODE6_LENGTH = NodeId.LENGTH + IPV6_LENGTH;

    private CompactAddress() {
    }

    public static byte[] encode(InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        return ByteBuffer.allocate(ip.length + 2).put(ip).putShort((short) address.getPort()).array();
    }

    /** An address from 6 or 18 bytes; empty when the length is neither or the port is 0. */
    public static Optional<InetSocketAddress> decode(byte[] b) {
        if (b.length != 6 && b.length != 18) {
            return Optional.empty();
        }
        int port = ((b[b.length - 2] & 0xff) << 8) | (b[b.length - 1] & 0xff);
        if (port == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOf(b, b.length - 2)), port));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The IPv4 contacts among {@code contacts} as a {@code nodes} string; IPv6 ones go in {@code nodes6} ({@link #encodeNodes6}). */
    public static byte[] encodeNodes(List<Contact> contacts) {
        ByteBuffer out = ByteBuffer.allocate(contacts.size() * NODE_LENGTH);
        for (Contact c : contacts) {
            if (c.address().getAddress() instanceof Inet4Address) {
                out.put(c.id().toBytes()).put(encode(c.address()));
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    /**
     * The nodes of a {@code nodes} string. A trailing partial entry is ignored, as are entries with port 0
     * or an unspecified address; at most {@code max} are returned.
     */
    public static List<Contact> decodeNodes(byte[] b, int max) {
        List<Contact> out = new ArrayList<>();
        for (int i = 0; i + NODE_LENGTH <= b.length && out.size() < max; i += NODE_LENGTH) {
            Optional<InetSocketAddress> a = decode(Arrays.copyOfRange(b, i + NodeId.LENGTH, i + NODE_LENGTH));
            if (a.isPresent() && !a.get().getAddress().isAnyLocalAddress()) {
                out.add(new Contact(NodeId.of(Arrays.copyOfRange(b, i, i + NodeId.LENGTH)), a.get()));
            }
        }
        return out;
    }

    /** The IPv6 contacts among {@code contacts} as a {@code nodes6} string (BEP 32). */
    public static byte[] encodeNodes6(List<Contact> contacts) {
        ByteBuffer out = ByteBuffer.allocate(contacts.size() * NODE6_LENGTH);
        for (Contact c : contacts) {
            if (c.address().getAddress() instanceof Inet6Address) {
                out.put(c.id().toBytes()).put(encode(c.address()));
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    /**
     * The nodes of a {@code nodes6} string (BEP 32), by the same rules as {@link #decodeNodes}; an IPv4-mapped
     * address (a lie about the family, or a trick to reach an IPv4 host through a list that should hold none)
     * is skipped.
     */
    public static List<Contact> decodeNodes6(byte[] b, int max) {
        List<Contact> out = new ArrayList<>();
        for (int i = 0; i + NODE6_LENGTH <= b.length && out.size() < max; i += NODE6_LENGTH) {
            Optional<InetSocketAddress> a = decode(Arrays.copyOfRange(b, i + NodeId.LENGTH, i + NODE6_LENGTH));
            if (a.isPresent() && a.get().getAddress() instanceof Inet6Address && !a.get().getAddress().isAnyLocalAddress()) {
                out.add(new Contact(NodeId.of(Arrays.copyOfRange(b, i, i + NodeId.LENGTH)), a.get()));
            }
        }
        return out;
    }

    static boolean isIpv6(InetSocketAddress a) {
        return a.getAddress() instanceof Inet6Address;
    }
}
