package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCIceServer;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A STUN or TURN server the peers may use to find a path to each other.
 *
 * @param urls     one or more {@code stun:}, {@code stuns:}, {@code turn:} or {@code turns:} URLs
 * @param username TURN user name, or {@code null} when the server needs none
 * @param password TURN credential, or {@code null} when the server needs none; never printed
 */
public record IceServer(List<String> urls, String username, String password) {
    private static final List<String> SCHEMES = List.of("stun:", "stuns:", "turn:", "turns:");
    /**
     * Finds option values other than the user name inside a spec, so error messages can hide
     * them: the credential, and also a credential given under a wrong key such as password=.
     */
    private static final Pattern SECRET_VALUE = Pattern.compile("(,\\s*(?!username\\s*=)[^,=]*=)[^,]*");

    public IceServer {
        urls = List.copyOf(Objects.requireNonNull(urls, "urls"));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("an ICE server needs at least one URL");
        }
        for (String url : urls) {
            String problem = urlProblem(url);
            if (problem != null) {
                throw new IllegalArgumentException("invalid ICE server URL '" + url + "': " + problem);
            }
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("ICE server " + urls
                    + ": username and credential must be given together");
        }
        if (username == null && urls.stream().anyMatch(IceServer::isTurnUrl)) {
            throw new IllegalArgumentException("TURN server " + urls + " needs a username and credential");
        }
    }

    /**
     * Reads the command-line form {@code URL[,username=U,credential=P]}, for example
     * {@code stun:stun.example.org:3478} or
     * {@code turn:turn.example.org:3478?transport=udp,username=alice,credential=s3cret}.
     *
     * @throws IllegalArgumentException naming the spec (credential hidden) and what is wrong
     */
    public static IceServer parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String[] parts = spec.split(",", -1);
        String url = parts[0].trim();
        String urlProblem = urlProblem(url);
        if (urlProblem != null) {
            throw invalidSpec(spec, urlProblem);
        }
        String username = null;
        String password = null;
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].trim();
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq).trim();
            String value = eq < 0 ? "" : option.substring(eq + 1).trim();
            if (!key.equals("username") && !key.equals("credential")) {
                throw invalidSpec(spec, "unknown option '" + key + "' (expected username=U or credential=P)");
            }
            if (value.isEmpty()) {
                throw invalidSpec(spec, key + " has no value");
            }
            if (key.equals("username")) {
                if (username != null) {
                    throw invalidSpec(spec, "username given twice");
                }
                username = value;
            } else {
                if (password != null) {
                    throw invalidSpec(spec, "credential given twice");
                }
                password = value;
            }
        }
        if ((username == null) != (password == null)) {
            throw invalidSpec(spec, "username and credential must be given together");
        }
        if (username == null && isTurnUrl(url)) {
            throw invalidSpec(spec, "a TURN server needs username=U,credential=P");
        }
        return new IceServer(List.of(url), username, password);
    }

    @Override
    public String toString() {
        return "IceServer" + urls + (username == null ? "" : " username=" + username + " credential=***");
    }

    RTCIceServer toNative() {
        RTCIceServer server = new RTCIceServer();
        server.urls.addAll(urls);
        // The native side copies these strings; empty means "no credentials" there.
        server.username = username == null ? "" : username;
        server.password = password == null ? "" : password;
        return server;
    }

    /** What is wrong with {@code url}, or {@code null} if it looks usable. */
    private static String urlProblem(String url) {
        if (url == null || url.isBlank()) {
            return "the URL is empty";
        }
        String lower = url.toLowerCase(Locale.ROOT);
        for (String scheme : SCHEMES) {
            if (lower.startsWith(scheme)) {
                return url.length() == scheme.length() ? "no host after '" + scheme + "'" : null;
            }
        }
        return "the URL must start with stun:, stuns:, turn: or turns:";
    }

    /** Whether this server offers relays (a {@code turn:} or {@code turns:} URL). */
    public boolean isTurn() {
        return urls.stream().anyMatch(IceServer::isTurnUrl);
    }

    private static boolean isTurnUrl(String url) {
        return url.toLowerCase(Locale.ROOT).startsWith("turn");
    }

    private static IllegalArgumentException invalidSpec(String spec, String problem) {
        String shown = SECRET_VALUE.matcher(spec).replaceAll("$1***");
        return new IllegalArgumentException("invalid ICE server '" + shown + "': " + problem
                + " (expected URL[,username=U,credential=P])");
    }
}
