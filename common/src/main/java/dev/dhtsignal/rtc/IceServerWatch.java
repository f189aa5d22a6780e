package dev.dhtsignal.rtc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each STUN/TURN server did while candidates were gathered: gave candidates, answered with an error
 * (a wrong TURN password comes back as 401), or stayed silent. Fed from the native callbacks; read when
 * gathering ends or a connection fails, to tell the user which server is the problem.
 */
final class IceServerWatch {
    private final List<IceServer> servers;
    /** Servers that gave at least one candidate, by {@link #key}. */
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    /** The errors servers reported, by {@link #key}, in words. */
    private final Map<String, String> errors = new ConcurrentHashMap<>();

    IceServerWatch(List<IceServer> servers) {
        this.servers = servers;
    }

    /** Candidates of any kind gathered so far (host ones included). */
    private final java.util.concurrent.atomic.AtomicInteger candidates = new java.util.concurrent.atomic.AtomicInteger();

    void candidate(String serverUrl) {
        candidates.incrementAndGet();
        if (serverUrl != null && !serverUrl.isEmpty()) {
            answered.add(key(serverUrl));
        }
    }

    /** Records an error; returns it in words, naming the server, or null if this server already reported one. */
    String error(String url, int code, String text) {
        String what = describe(url, code, text);
        return errors.putIfAbsent(key(url), what) == null ? what : null;
    }

    /**
     * Servers that neither gave a candidate nor reported an error, once gathering was cut off at
     * {@code limit}: they did not answer in time.
     */
    List<String> silent(Duration limit) {
        List<String> silent = new ArrayList<>();
        for (IceServer server : servers) {
            for (String url : server.urls()) {
                if (!answered.contains(key(url)) && !errors.containsKey(key(url))) {
                    silent.add((isTurn(url) ? "TURN" : "STUN") + " server " + url + " did not answer within "
                            + limit.toMillis() + " ms; going on without its candidates");  // limit: the time waited
                }
            }
        }
        return silent;
    }

    /**
     * Whether a TURN server has neither given a candidate nor reported an error yet: its allocation may
     * still be under way (two round trips, more over a lossy link), so gathering waits for it longer than
     * for a STUN server.
     */
    boolean turnPending() {
        for (IceServer server : servers) {
            for (String url : server.urls()) {
                if (isTurn(url) && !answered.contains(key(url)) && !errors.containsKey(key(url))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether any candidate was gathered yet, even a host one. */
    boolean anyCandidate() {
        return candidates.get() > 0;
    }

    /** Every error a server reported, in words. */
    List<String> errors() {
        return List.copyOf(errors.values());
    }

    boolean haveTurn() {
        return servers.stream().flatMap(s -> s.urls().stream()).anyMatch(IceServerWatch::isTurn);
    }

    private static String describe(String url, int code, String text) {
        String server = (isTurn(url) ? "TURN" : "STUN") + " server " + url;
        if (code == 401) {
            return server + " refused the username or credential (401 Unauthorized): check username= and credential=";
        }
        if (code == 403) {
            return server + " refused the request (403 Forbidden: " + text + ")";
        }
        if (code == 701) {
            // WebRTC's own code for a server that could not be reached or did not answer.
            return server + " could not be reached (" + text + ")";
        }
        return server + " answered with error " + code + (text == null || text.isEmpty() ? "" : " (" + text + ")");
    }

    /**
     * Scheme, host and port of a URL: WebRTC reports a server by a URL it rebuilds ("turn:h:3478?transport=udp"),
     * which may differ from the configured one in its query and default port.
     */
    static String key(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        int query = u.indexOf('?');
        if (query >= 0) {
            u = u.substring(0, query);
        }
        int colon = u.indexOf(':');
        String scheme = u.substring(0, colon);
        String rest = u.substring(colon + 1);
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        boolean hasPort = rest.startsWith("[") ? rest.contains("]:") : rest.contains(":");
        if (!hasPort) {
            rest = rest + (scheme.endsWith("s") ? ":5349" : ":3478");
        }
        // stun and turn on one host:port are one server as far as answering goes.
        return (scheme.startsWith("turn") ? "turn" : "stun") + ":" + rest;
    }

    private static boolean isTurn(String url) {
        return url.toLowerCase(Locale.ROOT).startsWith("turn");
    }
}
