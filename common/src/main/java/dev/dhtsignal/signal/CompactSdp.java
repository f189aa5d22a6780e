package dev.dhtsignal.signal;

import dev.dhtsignal.dht.mainline.Bencoding;
import dev.dhtsignal.dht.mainline.Dict;
import dev.dhtsignal.dht.mainline.KrpcFormatException;
import dev.dhtsignal.rtc.SessionDescription;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a data-channel SDP really carries, small enough for a BEP 44 item (1000 bytes): the ICE username
 * fragment and password, the DTLS fingerprint and setup role, the media id, the SCTP port and message size,
 * and the UDP candidates. Everything else in an offer or answer for a data channel is the same for every
 * peer, so {@link #toSdp} writes it back.
 *
 * <p>Bencoded (one-letter keys keep it short):
 * <pre>
 * {"u": ufrag, "p": pwd, "f": 32-byte SHA-256 fingerprint, "s": "actpass" | "active" | "passive", "m": mid,
 *  "z": [sctp port, max message size],
 *  "c": [[address, port, type, priority], ...]}   address: 4 or 16 bytes for an IP, else the host name
 *                                                  (Chromium's mDNS names); type: "host", "srflx", ...
 * </pre>
 * TCP candidates are left out (both programs gather UDP); fields an SDP lacks make {@link #parse} fail.
 */
public record CompactSdp(String type, String ufrag, String pwd, byte[] fingerprint, String setup, String mid,
                         long sctpPort, long maxMessageSize, List<Candidate> candidates) {
    /** One ICE candidate: where, of which kind, at which priority. */
    public record Candidate(String address, int port, String kind, long priority) {
    }

    public CompactSdp {
        candidates = List.copyOf(candidates);
    }

    /**
     * Reads the parts that matter from a full SDP.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    public static CompactSdp parse(SessionDescription description) {
        String ufrag = null;
        String pwd = null;
        byte[] fingerprint = null;
        String setup = null;
        String mid = null;
        long sctpPort = 5000;
        long maxMessageSize = 262144;
        List<Candidate> candidates = new ArrayList<>();
        for (String raw : description.sdp().split("\r?\n")) {
            String line = raw.trim();
            if (line.startsWith("a=ice-ufrag:")) {
                ufrag = line.substring(12);
            } else if (line.startsWith("a=ice-pwd:")) {
                pwd = line.substring(10);
            } else if (line.startsWith("a=fingerprint:")) {
                String[] f = line.substring(14).split(" ");
                if (f.length == 2 && f[0].equalsIgnoreCase("sha-256")) {
                    fingerprint = HexFormat.of().parseHex(f[1].replace(":", "").toLowerCase(Locale.ROOT));
                }
            } else if (line.startsWith("a=setup:")) {
                setup = line.substring(8);
            } else if (line.startsWith("a=mid:")) {
                mid = line.substring(6);
            } else if (line.startsWith("a=sctp-port:")) {
                sctpPort = Long.parseLong(line.substring(12));
            } else if (line.startsWith("a=max-message-size:")) {
                maxMessageSize = Long.parseLong(line.substring(19));
            } else if (line.startsWith("a=candidate:")) {
                // foundation component transport priority address port "typ" type ...
                String[] c = line.substring(12).split(" ");
                if (c.length >= 8 && c[2].equalsIgnoreCase("udp") && c[1].equals("1") && c[6].equals("typ")) {
                    candidates.add(new Candidate(c[4], Integer.parseInt(c[5]), c[7], Long.parseLong(c[3])));
                }
            }
        }
        if (ufrag == null || pwd == null || fingerprint == null || fingerprint.length != 32 || setup == null || mid == null) {
            throw new IllegalArgumentException("the SDP lacks " + (ufrag == null ? "a=ice-ufrag" : pwd == null ? "a=ice-pwd"
                    : fingerprint == null || fingerprint.length != 32 ? "a SHA-256 a=fingerprint" : setup == null ? "a=setup" : "a=mid"));
        }
        return new CompactSdp(description.type(), ufrag, pwd, fingerprint, setup, mid, sctpPort, maxMessageSize, candidates);
    }

    /** The same description without its lowest-priority candidates past the first {@code n}. */
    public CompactSdp withCandidates(int n) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort((a, b) -> Long.compare(b.priority(), a.priority()));
        return new CompactSdp(type, ufrag, pwd, fingerprint, setup, mid, sctpPort, maxMessageSize,
                sorted.subList(0, Math.min(n, sorted.size())));
    }

    /** The bencode dictionary described in the class comment, as a value for {@link Bencoding}. */
    public Map<String, Object> toDictionary() {
        Map<String, Object> d = new TreeMap<>();
        d.put("u", ufrag);
        d.put("p", pwd);
        d.put("f", fingerprint);
        d.put("s", setup);
        d.put("m", mid);
        d.put("z", List.of(sctpPort, maxMessageSize));
        List<Object> cs = new ArrayList<>();
        for (Candidate c : candidates) {
            cs.add(List.of(addressBytes(c.address()), (long) c.port(), c.kind(), c.priority()));
        }
        d.put("c", cs);
        return d;
    }

    /**
     * Reads the dictionary back.
     *
     * @param type {@code offer} or {@code answer}: the envelope says which
     * @throws IllegalArgumentException when a field is missing or of the wrong kind
     */
    public static CompactSdp fromDictionary(String type, Dict d) {
        try {
            List<Candidate> candidates = new ArrayList<>();
            if (d.raw("c") instanceof List<?> list) {
                for (Object o : list) {
                    if (!(o instanceof List<?> c) || c.size() != 4 || !(c.get(0) instanceof byte[] a)
                            || !(c.get(1) instanceof Long port) || !(c.get(2) instanceof byte[] kind)
                            || !(c.get(3) instanceof Long priority) || port < 1 || port > 65535) {
                        throw new IllegalArgumentException("a malformed candidate");
                    }
                    candidates.add(new Candidate(addressText(a), port.intValue(), ascii(kind), priority));
                }
            }
            long sctp = 5000;
            long maxMessage = 262144;
            if (d.raw("z") instanceof List<?> z && z.size() == 2 && z.get(0) instanceof Long p && z.get(1) instanceof Long m) {
                sctp = p;
                maxMessage = m;
            }
            return new CompactSdp(type, ascii(d.bytes("u")), ascii(d.bytes("p")), d.bytes("f", 32), ascii(d.bytes("s")),
                    ascii(d.bytes("m")), sctp, maxMessage, candidates);
        } catch (KrpcFormatException e) {
            throw new IllegalArgumentException("a compact SDP with " + e.getMessage());
        }
    }

    /** A full SDP that WebRTC stacks accept, with everything this form leaves out written back. */
    public SessionDescription toSdp() {
        StringBuilder s = new StringBuilder();
        String ipVersion = "IP4";
        s.append("v=0\r\n")
                .append("o=- ").append(Long.toUnsignedString(sessionId())).append(" 2 IN IP4 127.0.0.1\r\n")
                .append("s=-\r\n")
                .append("t=0 0\r\n")
                .append("a=group:BUNDLE ").append(mid).append("\r\n")
                .append("a=msid-semantic: WMS\r\n")
                .append("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n")
                .append("c=IN ").append(ipVersion).append(" 0.0.0.0\r\n");
        int foundation = 1;
        for (Candidate c : candidates) {
            s.append("a=candidate:").append(foundation++).append(" 1 udp ").append(c.priority()).append(' ')
                    .append(c.address()).append(' ').append(c.port()).append(" typ ").append(c.kind());
            if (!c.kind().equals("host")) {
                s.append(" raddr 0.0.0.0 rport 0");
            }
            s.append(" generation 0\r\n");
        }
        s.append("a=ice-ufrag:").append(ufrag).append("\r\n")
                .append("a=ice-pwd:").append(pwd).append("\r\n")
                .append("a=fingerprint:sha-256 ").append(fingerprintText()).append("\r\n")
                .append("a=setup:").append(setup).append("\r\n")
                .append("a=mid:").append(mid).append("\r\n")
                .append("a=sctp-port:").append(sctpPort).append("\r\n")
                .append("a=max-message-size:").append(maxMessageSize).append("\r\n");
        return new SessionDescription(type, s.toString());
    }

    private long sessionId() {
        // Any number serves; one derived from the fingerprint keeps a rebuilt SDP the same every time.
        long id = 0;
        for (int i = 0; i < 8; i++) {
            id = (id << 8) | (fingerprint[i] & 0xff);
        }
        return id & Long.MAX_VALUE;
    }

    private String fingerprintText() {
        StringBuilder f = new StringBuilder();
        for (byte b : fingerprint) {
            if (f.length() > 0) {
                f.append(':');
            }
            f.append(String.format(Locale.ROOT, "%02X", b & 0xff));
        }
        return f.toString();
    }

    private static boolean isIpLiteral(String address) {
        return address.matches("[0-9.]+") || address.contains(":");
    }

    private static byte[] addressBytes(String address) {
        if (isIpLiteral(address)) {
            try {
                return InetAddress.getByName(address).getAddress();   // a literal: no name lookup
            } catch (java.net.UnknownHostException e) {
                // not a valid literal after all: carry the text
            }
        }
        return address.getBytes(StandardCharsets.UTF_8);
    }

    private static String addressText(byte[] a) {
        if (a.length == 4 || a.length == 16) {
            try {
                return InetAddress.getByAddress(a).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("an unreadable candidate address");
            }
        }
        String name = new String(a, StandardCharsets.UTF_8);
        if (!name.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("a candidate host name with odd characters");
        }
        return name;
    }

    private static String ascii(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        for (char c : s.toCharArray()) {
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("a compact SDP field with a space or control character");
            }
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompactSdp c && java.util.Arrays.equals(Bencoding.encode(toDictionary()), Bencoding.encode(c.toDictionary()))
                && type.equals(c.type);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(Bencoding.encode(toDictionary()));
    }
}
