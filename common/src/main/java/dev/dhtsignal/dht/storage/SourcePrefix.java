package dev.dhtsignal.dht.storage;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The network a stored value came from, the unit that storage quotas are counted in: an IPv4 /24 or an
 * IPv6 /64, what one host (or one customer of a provider) typically holds, so that a host rotating its
 * addresses within its own network still counts once.
 *
 * <p>Two exceptions. A loopback address counts on its own (/32, /128): loopback sources are processes
 * of this very host, and tools simulate distinct hosts with 127.0.0.2, 127.0.0.3, ... . And {@link #LOCAL}
 * stands for this node's own puts and for values whose source is unknown (read from a store file of the
 * first format); it has no quota, only the store's overall limits.
 *
 * <p>A replica that another node pushes to us (its republish, or its welcome when we joined) counts
 * against that node's prefix, the address the store came from: we cannot tell who first wrote it, and a
 * node pushing many replicas is, for our memory, the same as a host writing many values.
 */
public final class SourcePrefix {
    /** This node itself, or unknown. */
    public static final SourcePrefix LOCAL = new SourcePrefix(new byte[0]);

    /** Bits of the address kept, by family: an IPv4 /24, an IPv6 /64. */
    private static final int IPV4_PREFIX_BYTES = 3;
    private static final int IPV6_PREFIX_BYTES = 8;

    /**
     * The prefix bytes; their count tells the kind: 0 local, 3 IPv4 /24, 4 IPv4 loopback address, 8 IPv6
     * /64, 16 IPv6 loopback address. Stored in this form in the value store's files.
     */
    private final byte[] bytes;
    private final int hash;

    private SourcePrefix(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** The prefix an address belongs to. */
    public static SourcePrefix of(InetAddress address) {
        byte[] a = address.getAddress();
        if (address.isLoopbackAddress()) {
            return new SourcePrefix(a);
        }
        if (address instanceof Inet4Address) {
            return new SourcePrefix(Arrays.copyOf(a, IPV4_PREFIX_BYTES));
        }
        return new SourcePrefix(Arrays.copyOf(a, IPV6_PREFIX_BYTES));
    }

    /**
     * Reads the form {@link #toBytes} writes.
     *
     * @throws IllegalArgumentException for a length no prefix has
     */
    public static SourcePrefix fromBytes(byte[] bytes) {
        return switch (bytes.length) {
            case 0 -> LOCAL;
            case IPV4_PREFIX_BYTES, 4, IPV6_PREFIX_BYTES, 16 -> new SourcePrefix(bytes.clone());
            default -> throw new IllegalArgumentException("a source prefix is 0, 3, 4, 8 or 16 bytes, got "
                    + bytes.length);
        };
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public boolean isLocal() {
        return bytes.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePrefix other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** E.g. {@code 203.0.113.0/24}, {@code 2001:db8:0:1::/64}, {@code 127.0.0.2/32}, {@code local}. */
    @Override
    public String toString() {
        if (isLocal()) {
            return "local";
        }
        boolean v4 = bytes.length <= 4;
        byte[] full = Arrays.copyOf(bytes, v4 ? 4 : 16);
        try {
            return InetAddress.getByAddress(full).getHostAddress() + "/" + bytes.length * 8;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }
}
