package dev.dhtsignal.server.http;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which {@code Host} a request may name: the defence against DNS rebinding. A page on
 * {@code http://attacker.example:P} whose name the attacker re-points at this machine is same-origin with
 * itself, so its requests carry {@code Host: attacker.example:P} and {@code Origin: http://attacker.example:P};
 * only the Host tells them from our own page's. Allowed are IP address literals (an origin that is an
 * address cannot be re-pointed), {@code localhost} and names under {@code .localhost} (browsers resolve
 * those to loopback themselves, never through DNS), and the names given with {@code --http-host}.
 */
final class HostPolicy {
    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    private final List<String> names;

    HostPolicy(List<String> names) {
        this.names = names.stream().map(n -> stripDot(n.toLowerCase(Locale.ROOT))).toList();
    }

    static boolean isHostName(String s) {
        return s.length() <= 253 && HOST_NAME.matcher(s).matches();
    }

    /** Null when {@code hostHeader} names this gateway, else the reason it does not. */
    String refusal(String hostHeader) {
        if (hostHeader == null) {
            return "the request names no Host";
        }
        String host = hostOnly(hostHeader.trim());
        if (host == null) {
            return "the Host header '" + shorten(hostHeader) + "' is not host[:port]";
        }
        if (ClientAddress.literal(host) != null || host.equals("localhost") || host.endsWith(".localhost")
                || names.contains(host)) {
            return null;
        }
        return "this gateway does not serve the host name '" + shorten(host) + "' (it serves IP addresses, localhost"
                + (names.isEmpty() ? "" : ", " + String.join(", ", names))
                + "); if that name is this gateway's, start it with --http-host " + shorten(host);
    }

    /** The host of {@code host[:port]} or {@code [v6]:port}, lower case and without a final dot; null if malformed. */
    private static String hostOnly(String header) {
        String host;
        String port = null;
        if (header.startsWith("[")) {
            int end = header.indexOf(']');
            if (end < 0) {
                return null;
            }
            host = header.substring(0, end + 1);
            if (end + 1 < header.length()) {
                if (header.charAt(end + 1) != ':') {
                    return null;
                }
                port = header.substring(end + 2);
            }
            return (port == null || PORT.matcher(port).matches()) && ClientAddress.literal(host) != null ? host : null;
        }
        int colon = header.lastIndexOf(':');
        if (colon >= 0) {
            port = header.substring(colon + 1);
            host = header.substring(0, colon);
        } else {
            host = header;
        }
        host = stripDot(host.toLowerCase(Locale.ROOT));
        return (port == null || PORT.matcher(port).matches()) && isHostName(host) ? host : null;
    }

    private static String stripDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
