package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.net.AddressScope;
import dev.dhtsignal.dht.routing.RoutingTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * BEP 42: a node id tied to the node's external IP address, so that nobody can place nodes at ids of their
 * choosing (next to a key they want to censor) without owning many addresses. The first 21 bits of the id
 * are the CRC-32C of the masked address and three random bits r; the last byte of the id carries r.
 *
 * <pre>
 * crc = crc32c((ip &amp; 0x030f3fff) | (r &lt;&lt; 29))            IPv4, as 4 big-endian bytes
 * id[0] = crc &gt;&gt; 24, id[1] = crc &gt;&gt; 16, id[2] = (crc &gt;&gt; 8 &amp; 0xf8) | random 3 bits,
 * id[3..18] random, id[19] = a random byte whose low 3 bits are r
 * </pre>
 *
 * Local addresses (10/8, 172.16/12, 192.168/16, 169.254/16, 127/8) are exempt: any id is fine there. Only
 * IPv4 is handled; an IPv6 node keeps a random id.
 */
public final class Bep42 {
    private static final int MASK_V4 = 0x030f3fff;

    /**
     * Who a routing table admits: from a public address, only a node whose id is valid for it. Loopback
     * and private addresses are exempt, as BEP 42 says for local networks (a node there cannot know the
     * address others see; tests run many nodes on 127.0.0.1).
     */
    public static final RoutingTable.IdRule ROUTING_RULE = (id, address) ->
            AddressScope.of(address) != AddressScope.PUBLIC || isValid(id, address);

    /**
     * The rule applied to every IPv4 address, loopback and private ones too: what a public address meets,
     * for trying the rule on one host ({@code dht-server --strict-node-ids}).
     */
    public static final RoutingTable.IdRule STRICT_ROUTING_RULE = (id, address) ->
            !(address instanceof Inet4Address) || matches(id, address);

    private Bep42() {
    }

    /** An id valid for {@code ip} under BEP 42 whose last byte is {@code rand} (its low 3 bits are r). */
    public static NodeId idFor(InetAddress ip, int rand, Random random) {
        byte[] id = new byte[NodeId.LENGTH];
        random.nextBytes(id);
        if (!(ip instanceof Inet4Address)) {
            return NodeId.of(id);
        }
        int crc = prefix(ip, rand & 0x7);
        id[0] = (byte) (crc >>> 24);
        id[1] = (byte) (crc >>> 16);
        id[2] = (byte) (((crc >>> 8) & 0xf8) | (id[2] & 0x7));
        id[19] = (byte) rand;
        return NodeId.of(id);
    }

    public static NodeId idFor(InetAddress ip, Random random) {
        return idFor(ip, random.nextInt(256), random);
    }

    /** Whether {@code id} is acceptable for a node at {@code ip}: it matches, or the address is exempt. */
    public static boolean isValid(NodeId id, InetAddress ip) {
        return !(ip instanceof Inet4Address) || isExempt(ip) || matches(id, ip);
    }

    /** Whether {@code id} is the one BEP 42 derives from the IPv4 address {@code ip}, exempt or not. */
    private static boolean matches(NodeId id, InetAddress ip) {
        byte[] b = id.toBytes();
        int crc = prefix(ip, b[19] & 0x7);
        return (b[0] & 0xff) == (crc >>> 24 & 0xff)
                && (b[1] & 0xff) == (crc >>> 16 & 0xff)
                && (b[2] & 0xf8) == (crc >>> 8 & 0xf8);
    }

    /** Addresses BEP 42 leaves out: a node there cannot know the address others see. */
    public static boolean isExempt(InetAddress ip) {
        return ip.isLoopbackAddress() || ip.isSiteLocalAddress() || ip.isLinkLocalAddress() || ip.isAnyLocalAddress();
    }

    private static int prefix(InetAddress ip, int r) {
        byte[] a = ip.getAddress();
        int v = ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
        int masked = (v & MASK_V4) | (r << 29);
        CRC32C crc = new CRC32C();
        crc.update(new byte[]{(byte) (masked >>> 24), (byte) (masked >>> 16), (byte) (masked >>> 8), (byte) masked});
        return (int) crc.getValue();
    }
}
