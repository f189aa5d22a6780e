package dev.dhtsignal.dht;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parsing and printing of UDP endpoints. Addresses typed by a user may be host names and are resolved;
 * addresses read off the network must be IP literals, because resolving names that strangers send us
 * would let them make this node wait on DNS.
 */
public final class Endpoints {
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private Endpoints() {
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port} as typed by a user and resolves the host.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static InetSocketAddress parseAndResolve(String text) {
        String trimmed = text.trim();
        String host;
        String port;
        if (trimmed.startsWith("[")) {
            int close = trimmed.indexOf(']');
            if (close < 0 || close + 1 >= trimmed.length() || trimmed.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = trimmed.substring(1, close);
            port = trimmed.substring(close + 2);
        } else {
            int colon = trimmed.lastIndexOf(':');
            if (colon <= 0 || trimmed.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port");
            }
            host = trimmed.substring(0, colon);
            port = trimmed.substring(colon + 1);
        }
        return resolve(host, parsePort(port, text));
    }

    /** Resolves a user-given host name or literal. */
    public static InetSocketAddress resolve(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "'", e);
        }
    }

    static int parsePort(String port, String context) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port " + p + " in '" + context + "' is not in 1..65535");
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + port + "' in '" + context + "' is not a port number");
        }
    }

    /**
     * The address a peer named in a {@code find_node} reply, or empty when the host is not an IP literal
     * or the port is out of range. {@code localhost} is accepted as 127.0.0.1 because Python nodes
     * bootstrapped with that name hand it on verbatim.
     */
    public static Optional<InetSocketAddress> fromWire(String host, long port) {
        if (port < 1 || port > 65535) {
            return Optional.empty();
        }
        String literal = host.equals("localhost") ? "127.0.0.1" : host;
        boolean isLiteral = IPV4.matcher(literal).matches()
                || (literal.indexOf(':') >= 0 && IPV6.matcher(literal).matches());
        if (!isLiteral) {
            return Optional.empty();
        }
        try {
            // getByName does no lookup for a literal; the patterns above guarantee we only pass literals.
            return Optional.of(new InetSocketAddress(InetAddress.getByName(literal), (int) port));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The IP text the original network puts on the wire for an address. */
    public static String hostText(InetSocketAddress address) {
        return address.getAddress().getHostAddress();
    }

    public static String format(InetSocketAddress address) {
        if (address.isUnresolved()) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = address.getAddress().getHostAddress();
        return address.getAddress() instanceof Inet6Address
                ? "[" + host + "]:" + address.getPort()
                : host + ":" + address.getPort();
    }
}
