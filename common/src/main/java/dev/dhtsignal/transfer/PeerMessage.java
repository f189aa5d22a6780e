package dev.dhtsignal.transfer;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON control message on the {@code peer} channel, e.g. {@code {"type":"end","lines":20000}}.
 * Fields a type does not use are null and left out of the JSON. See {@code docs/file-transfer.md}.
 */
public record PeerMessage(String type, String text, boolean more, Long lines, Long id, String name, Long size,
                          String sha256, String reason) {
    public static final String LINE = "line";
    public static final String ACK = "ack";
    public static final String END = "end";
    public static final String FILE = "file";
    public static final String FILE_ACCEPT = "file-accept";
    public static final String FILE_REFUSE = "file-refuse";
    public static final String FILE_END = "file-end";
    public static final String FILE_CANCEL = "file-cancel";
    public static final String FILE_OK = "file-ok";
    public static final String FILE_FAILED = "file-failed";
    /** "I am closing this session, and why": the last message before the channel closes. */
    public static final String CLOSE = "close";

    public static PeerMessage line(String text, boolean more) {
        return new PeerMessage(LINE, text, more, null, null, null, null, null, null);
    }

    public static PeerMessage ack(long lines) {
        return new PeerMessage(ACK, null, false, lines, null, null, null, null, null);
    }

    public static PeerMessage end(long lines) {
        return new PeerMessage(END, null, false, lines, null, null, null, null, null);
    }

    public static PeerMessage file(long id, String name, long size) {
        return new PeerMessage(FILE, null, false, null, id, name, size, null, null);
    }

    public static PeerMessage close(String reason) {
        return new PeerMessage(CLOSE, null, false, null, null, null, null, null, reason);
    }

    public static PeerMessage fileEnd(long id, String sha256) {
        return new PeerMessage(FILE_END, null, false, null, id, null, null, sha256, null);
    }

    /** A reply about file {@code id} ({@link #FILE_ACCEPT}, {@link #FILE_OK}, ...); {@code reason} may be null. */
    public static PeerMessage about(String type, long id, String reason) {
        return new PeerMessage(type, null, false, null, id, null, null, null, reason);
    }

    public String toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("type", type);
        if (id != null) {
            o.put("id", id);
        }
        if (text != null) {
            o.put("text", text);
        }
        if (more) {
            o.put("more", true);
        }
        if (lines != null) {
            o.put("lines", lines);
        }
        if (name != null) {
            o.put("name", name);
        }
        if (size != null) {
            o.put("size", size);
        }
        if (sha256 != null) {
            o.put("sha256", sha256);
        }
        if (reason != null) {
            o.put("reason", reason);
        }
        try {
            return JSON.std.asString(o);
        } catch (IOException e) {
            throw new IllegalStateException("a map of strings and numbers always serialises", e);
        }
    }

    /**
     * Reads a control message; fields of the wrong JSON type count as absent.
     *
     * @throws IllegalArgumentException if the text is not a JSON object with a string {@code type}
     */
    public static PeerMessage parse(String json) {
        Object root;
        try {
            root = JSON.std.anyFrom(json);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> node) || !(node.get("type") instanceof String type)) {
            throw new IllegalArgumentException("not a JSON object with a \"type\"");
        }
        return new PeerMessage(type, text(node, "text"), Boolean.TRUE.equals(node.get("more")),
                number(node, "lines"), number(node, "id"), text(node, "name"), number(node, "size"),
                text(node, "sha256"), text(node, "reason"));
    }

    private static String text(Map<?, ?> node, String field) {
        return node.get(field) instanceof String v ? v : null;
    }

    private static Long number(Map<?, ?> node, String field) {
        Object v = node.get(field);
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        return null;
    }
}
