package dev.dhtsignal.transfer;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON control message on the {@code peer} channel, e.g. {@code {"type":"end","lines":20000}}.
 * Fields a type does not use are null and left out of the JSON. The optional fields that later versions
 * added (directories, whole offers, resuming, a text alone) are in {@link Extras}; a peer that does not
 * know them ignores them and gets the behaviour of before. See {@code docs/file-transfer.md}.
 */
public record PeerMessage(String type, String text, boolean more, Long lines, Long id, String name, Long size,
                          String sha256, String reason, Extras extras) {
    /**
     * The optional fields, each null when absent.
     *
     * @param dir    on {@code file}: the directories, under the receiving directory, that the file goes in
     * @param files  on the first {@code file} of an offer: how many files the whole offer has
     * @param total  on the same: their bytes together
     * @param top    on the same: the names at the top of the offer (files and directories sent)
     * @param resume on {@code file}: the sender can start from an offset the receiver names
     * @param offset on {@code file-accept}: send from this byte on (the receiver has the bytes before)
     * @param all    on {@code file-refuse}: the whole offer is refused, not only this file
     * @param alone  on {@code line}: the whole of what the sender says (--text); no chat follows
     */
    public record Extras(List<String> dir, Long files, Long total, List<String> top, Boolean resume, Long offset,
                         Boolean all, Boolean alone) {
        static final Extras NONE = new Extras(null, null, null, null, null, null, null, null);

        boolean none() {
            return equals(NONE);
        }
    }

    public PeerMessage(String type, String text, boolean more, Long lines, Long id, String name, Long size,
                       String sha256, String reason) {
        this(type, text, more, lines, id, name, size, sha256, reason, Extras.NONE);
    }

    public PeerMessage {
        extras = extras == null ? Extras.NONE : extras;
    }

    /** This message with {@code extras} instead of its own. */
    public PeerMessage with(Extras more) {
        return new PeerMessage(type, text, this.more, lines, id, name, size, sha256, reason, more);
    }
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
        putIfSet(o, "dir", extras.dir());
        putIfSet(o, "files", extras.files());
        putIfSet(o, "total", extras.total());
        putIfSet(o, "top", extras.top());
        putIfSet(o, "resume", extras.resume());
        putIfSet(o, "offset", extras.offset());
        putIfSet(o, "all", extras.all());
        putIfSet(o, "alone", extras.alone());
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
        Extras extras = new Extras(texts(node, "dir"), number(node, "files"), number(node, "total"), texts(node, "top"),
                flag(node, "resume"), number(node, "offset"), flag(node, "all"), flag(node, "alone"));
        return new PeerMessage(type, text(node, "text"), Boolean.TRUE.equals(node.get("more")),
                number(node, "lines"), number(node, "id"), text(node, "name"), number(node, "size"),
                text(node, "sha256"), text(node, "reason"), extras);
    }

    private static void putIfSet(Map<String, Object> o, String field, Object value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static Boolean flag(Map<?, ?> node, String field) {
        return node.get(field) instanceof Boolean b ? b : null;
    }

    /** A list of strings, or null when the field is absent or anything in it is not a string. */
    private static List<String> texts(Map<?, ?> node, String field) {
        if (!(node.get(field) instanceof List<?> list)) {
            return null;
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String v)) {
                return null;
            }
            out.add(v);
        }
        return List.copyOf(out);
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
