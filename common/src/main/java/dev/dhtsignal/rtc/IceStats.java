package dev.dhtsignal.rtc;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what WebRTC's statistics (the W3C webrtc-stats objects) say about ICE: the candidate pair in use,
 * or, when there is none, what was tried.
 */
final class IceStats {
    /** The candidate type in a candidate line (RFC 8839): "... typ srflx raddr ...". */
    private static final Pattern CANDIDATE_TYPE = Pattern.compile("candidate:.*? typ (\\S+)");

    private IceStats() {
    }

    /** The pair the transport selected; empty while ICE has not selected one. */
    static Optional<IcePath> selectedPath(RTCStatsReport report) {
        Map<String, RTCStats> all = report.getStats();
        String pairId = null;
        for (RTCStats s : all.values()) {
            if (s.getType() == RTCStatsType.TRANSPORT && text(s, "selectedCandidatePairId") != null) {
                pairId = text(s, "selectedCandidatePairId");
                break;
            }
        }
        RTCStats pair = pairId == null ? null : all.get(pairId);
        if (pair == null) {
            // Some versions report the choice only on the pair: the nominated one that succeeded.
            pair = ofType(all.values(), RTCStatsType.CANDIDATE_PAIR).stream()
                    .filter(p -> Boolean.TRUE.equals(p.getAttributes().get("nominated"))
                            && "succeeded".equals(text(p, "state")))
                    .findFirst().orElse(null);
        }
        if (pair == null) {
            return Optional.empty();
        }
        RTCStats local = all.get(text(pair, "localCandidateId"));
        RTCStats remote = all.get(text(pair, "remoteCandidateId"));
        if (local == null || remote == null) {
            return Optional.empty();
        }
        Object rtt = pair.getAttributes().get("currentRoundTripTime");
        return Optional.of(new IcePath(end(local), end(remote), rtt instanceof Number n ? n.doubleValue() : null));
    }

    /**
     * Why no pair connected, for a person: what was tried, and what would likely help.
     *
     * <p>WebRTC drops failed pairs from its statistics, so the candidate types come from what was gathered
     * and what the other side's description listed.
     *
     * @param ours           the types of our candidates
     * @param theirs         the types of the other peer's candidates
     * @param serverProblems what went wrong with the STUN/TURN servers while gathering (may be empty)
     * @param haveTurn       whether a TURN server was configured
     * @param withoutRelay   what to advise when there was no TURN server; null for the general advice
     */
    static String whyNoPath(RTCStatsReport report, Set<String> ours, Set<String> theirs, List<String> serverProblems,
                            boolean haveTurn, String withoutRelay) {
        return whyNoPath(report, ours, theirs, serverProblems, haveTurn, withoutRelay, true, "the other peer");
    }

    /**
     * Whether anything of the other peer reached us: a connectivity check (STUN binding request) or an
     * answer to one of ours on any candidate pair, or a candidate learned from such a check (prflx).
     */
    static boolean heardFromPeer(RTCStatsReport report) {
        for (RTCStats s : report.getStats().values()) {
            if (s.getType() == RTCStatsType.CANDIDATE_PAIR
                    && (count(s, "requestsReceived") > 0 || count(s, "responsesReceived") > 0)) {
                return true;
            }
            if (s.getType() == RTCStatsType.REMOTE_CANDIDATE && "prflx".equals(text(s, "candidateType"))) {
                return true;
            }
        }
        return false;
    }

    private static long count(RTCStats s, String member) {
        Object v = s.getAttributes().get(member);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /**
     * As above, knowing whether anything of the other peer ({@code them}, "the offerer") ever reached us
     * while ICE ran ({@link #heardFromPeer}, sampled while connecting, as failed pairs leave the statistics).
     * When nothing did, the likeliest cause is that the other peer is gone: an offer stays in the DHT after
     * its offerer was killed, until it expires.
     */
    static String whyNoPath(RTCStatsReport report, Set<String> ours, Set<String> theirs, List<String> serverProblems,
                            boolean haveTurn, String withoutRelay, boolean heard, String them) {
        if (!heard) {
            StringBuilder why = new StringBuilder("nothing of " + them + " ever answered (not one connectivity check "
                    + "came from its candidates: " + listed(theirs) + "), so " + them + " is probably gone: stopped or "
                    + "killed after its " + (them.equals("the offerer") ? "offer was stored (an offer stays in the DHT until "
                    + "it expires), so ask for a new one" : "answer was stored") + "; if it is still running, ");
            if (ours.contains("relay") || theirs.contains("relay")) {
                why.append("not even the TURN relay passed its checks: is the TURN server reachable from both peers?");
            } else if (haveTurn) {
                why.append("the TURN server gave no relay candidate, see the warnings above");
            } else {
                why.append("both peers may be behind NATs that drop what they did not ask for, where only a relay "
                        + "helps: " + (withoutRelay != null ? withoutRelay
                        : "add a TURN server (--ice-server turn:HOST:PORT,username=U,credential=P)"));
            }
            why.append(" (no candidate pair worked; our candidates: ").append(listed(ours)).append(')');
            serverProblems.forEach(p -> why.append("; ").append(p));
            return why.toString();
        }
        Map<String, Integer> states = new TreeMap<>();
        for (RTCStats pair : ofType(report.getStats().values(), RTCStatsType.CANDIDATE_PAIR)) {
            states.merge(String.valueOf(text(pair, "state")), 1, Integer::sum);
        }
        StringBuilder why = new StringBuilder("no candidate pair worked (our candidates: " + listed(ours)
                + "; theirs: " + listed(theirs) + (states.isEmpty() ? "" : "; pairs by state: " + states) + ")");
        if (ours.contains("relay") || theirs.contains("relay")) {
            why.append("; not even the TURN relay answered the checks: is the TURN server reachable from both peers,"
                    + " and does it allow relaying to their addresses?");
        } else if (haveTurn) {
            why.append("; the TURN server gave no relay candidate, see the warnings above");
        } else {
            why.append("; both peers are probably behind NATs that give each destination a new port (symmetric NAT) "
                    + "or drop what they did not ask for, where only a relay helps: " + (withoutRelay != null ? withoutRelay
                    : "add a TURN server (--ice-server turn:HOST:PORT,username=U,credential=P)"));
        }
        serverProblems.forEach(p -> why.append("; ").append(p));
        return why.toString();
    }

    private static IcePath.End end(RTCStats candidate) {
        String address = text(candidate, "address");
        if (address == null) {
            address = text(candidate, "ip");  // the older name of the same member
        }
        Object port = candidate.getAttributes().get("port");
        return new IcePath.End(orUnknown(text(candidate, "candidateType")), orUnknown(text(candidate, "protocol")),
                orUnknown(address), port instanceof Number n ? n.intValue() : 0);
    }

    private static List<RTCStats> ofType(Collection<RTCStats> all, RTCStatsType type) {
        List<RTCStats> found = new ArrayList<>();
        for (RTCStats s : all) {
            if (s.getType() == type) {
                found.add(s);
            }
        }
        return found;
    }

    /** The type of a candidate line ("host", "srflx", "prflx", "relay"), or null if it is not one. */
    static String candidateType(String candidateLine) {
        Matcher m = CANDIDATE_TYPE.matcher(candidateLine);
        return m.find() ? m.group(1) : null;
    }

    /** The types of the candidates an SDP lists. */
    static Set<String> candidateTypes(String sdp) {
        Set<String> types = new TreeSet<>();
        for (String line : sdp.split("\\r?\\n")) {
            String type = line.startsWith("a=candidate:") ? candidateType(line) : null;
            if (type != null) {
                types.add(type);
            }
        }
        return types;
    }

    private static String listed(Set<String> types) {
        return types.isEmpty() ? "none" : String.join(", ", new TreeSet<>(types));
    }

    private static String text(RTCStats stats, String member) {
        Object value = stats.getAttributes().get(member);
        return value == null ? null : value.toString();
    }

    private static String orUnknown(String value) {
        return value == null ? "?" : value;
    }
}
