package dev.dhtsignal.dht.mainline;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * KRPC messages to and from bencoded datagrams (BEP 5):
 *
 * <pre>
 * query    {"t": tid, "y": "q", "q": method, "a": {"id": 20 bytes, ...}, ["ro": 1], ["v": client]}
 * response {"t": tid, "y": "r", "r": {"id": 20 bytes, ...}, ["ip": compact address], ["v": client]}
 * error    {"t": tid, "y": "e", "e": [code, message]}
 * </pre>
 *
 * {@code ro} is BEP 43 (read-only node), {@code ip} BEP 42 (the requester's address as the responder saw it).
 */
public final class KrpcCodec {
    /** Our client identifier in {@code v}: two letters and a version. */
    public static final byte[] CLIENT_VERSION = {'W', 'S', 0, 1};
    /** Transaction ids longer than this are refused: they are echoed back, so a long one is an amplifier. */
    public static final int MAX_TRANSACTION_ID = 16;

    private KrpcCodec() {
    }

    public static byte[] encode(KrpcMessage message) {
        Map<String, Object> m = new TreeMap<>();
        m.put("t", message.transactionId());
        m.put("v", CLIENT_VERSION);
        if (message instanceof KrpcMessage.Query q) {
            m.put("y", "q");
            m.put("q", q.method());
            m.put("a", q.arguments().asMap());
            if (q.readOnly()) {
                m.put("ro", 1L);
            }
        } else if (message instanceof KrpcMessage.Response r) {
            m.put("y", "r");
            m.put("r", r.values().asMap());
            r.yourAddress().ifPresent(a -> m.put("ip", CompactAddress.encode(a)));
        } else if (message instanceof KrpcMessage.Error e) {
            m.put("y", "e");
            m.put("e", List.of(e.code(), e.message()));
        }
        return Bencoding.encode(m);
    }

    /** @throws KrpcFormatException saying what is wrong */
    public static KrpcMessage decode(byte[] data, int length) throws KrpcFormatException {
        Dict d = new Dict(Bencoding.decode(data, length));
        byte[] t = d.bytes("t");
        if (t.length > MAX_TRANSACTION_ID) {
            throw new KrpcFormatException("transaction id of " + t.length + " bytes");
        }
        String y = new String(d.bytes("y"), StandardCharsets.ISO_8859_1);
        switch (y) {
            case "q" -> {
                Dict a = d.dict("a");
                a.id("id");
                String method = new String(d.bytes("q"), StandardCharsets.ISO_8859_1);
                boolean ro = d.optInteger("ro").orElse(0L) == 1L;
                return new KrpcMessage.Query(t, method, a, ro);
            }
            case "r" -> {
                Dict r = d.dict("r");
                r.id("id");
                Optional<InetSocketAddress> ip = Optional.empty();
                if (d.has("ip")) {
                    ip = CompactAddress.decode(d.bytes("ip"));
                }
                return new KrpcMessage.Response(t, r, ip);
            }
            case "e" -> {
                Object e = d.raw("e");
                long code = KrpcMessage.Error.GENERIC;
                String text = "";
                if (e instanceof List<?> l) {
                    if (!l.isEmpty() && l.get(0) instanceof Long c) {
                        code = c;
                    }
                    if (l.size() > 1 && l.get(1) instanceof byte[] b) {
                        text = new String(b, StandardCharsets.UTF_8);
                    }
                }
                return new KrpcMessage.Error(t, code, text);
            }
            default -> throw new KrpcFormatException("message type \"" + y + "\" is none of q, r, e");
        }
    }
}
