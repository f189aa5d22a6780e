package dev.dhtsignal.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The link that opens a DHT node's web page ready to join with a code: the page's address
 * ({@code offerer --page URL}, or DHT_PAGE) with the code in its fragment,
 * {@code http://192.168.1.20:8080/#7-guitarist-revenge}. The fragment never leaves the browser, so the code
 * does not reach the server, nor its log.
 *
 * <p>A page given as this machine ({@code http://127.0.0.1:8080/}, {@code localhost}) is named by this
 * machine's address instead, as the printed command names the DHT node: the link is for another device.
 * The gateway accepts any IP address as the Host (docs/gateway.md, "Host names"); it must listen where the
 * other device reaches it ({@code dht-server --http-bind 0.0.0.0}).
 */
public final class PageLink {
    private final URI page;

    private PageLink(URI page) {
        this.page = page;
    }

    /**
     * @throws IllegalArgumentException naming what is wrong with the address
     */
    public static PageLink parse(String page) {
        URI uri;
        try {
            uri = new URI(page.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--page '" + page + "' is not an address: " + e.getReason());
        }
        if (!List.of("http", "https").contains(String.valueOf(uri.getScheme()).toLowerCase(java.util.Locale.ROOT))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("--page '" + page + "' is not an http:// or https:// address with a host, "
                    + "like http://192.168.1.20:8080/ (dht-server --http 8080)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--page '" + page + "': give the page's address without a query or '#'");
        }
        return new PageLink(uri);
    }

    /**
     * For a page given as this machine, the address the link names instead (this machine's, with the page's
     * port); empty for a page given by another host, or when this machine has no such address.
     */
    public java.util.Optional<InetSocketAddress> instead() {
        if (!isThisMachine(page.getHost())) {
            return java.util.Optional.empty();
        }
        return ReachableAddress.instead(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()));
    }

    /** The page as given, for messages. */
    @Override
    public String toString() {
        return page.toString();
    }

    private int port() {
        return page.getPort() != -1 ? page.getPort() : page.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** The link for {@code code}, with this machine's address for a page given as this machine. */
    public String forCode(String code) {
        String host = instead().map(a -> a.getAddress().getHostAddress()).orElse(page.getHost());
        String path = page.getRawPath() == null || page.getRawPath().isEmpty() ? "/" : page.getRawPath();
        String shownHost = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return page.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + shownHost
                + (page.getPort() != -1 ? ":" + page.getPort() : "") + path + "#" + code;
    }

    private static boolean isThisMachine(String host) {
        if (host.equalsIgnoreCase("localhost") || host.toLowerCase(java.util.Locale.ROOT).endsWith(".localhost")) {
            return true;
        }
        try {
            String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            if (!literal.matches("[0-9a-fA-F:.]+")) {
                return false;  // a name: never resolved here
            }
            InetAddress a = InetAddress.getByName(literal);
            return a.isLoopbackAddress() || a.isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
