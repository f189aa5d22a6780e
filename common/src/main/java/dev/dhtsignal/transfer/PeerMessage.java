package dev.dhtsignal.transfer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    private static final ObjectMapper JSON = new ObjectMapper();

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

    public static PeerMessage fileEnd(long id, String sha256) {
        return new PeerMessage(FILE_END, null, false, null, id, null, null, sha256, null);
    }

    /** A reply about file {@code id} ({@link #FILE_ACCEPT}, {@link #FILE_OK}, ...); {@code reason} may be null. */
    public static PeerMessage about(String type, long id, String reason) {
        return new PeerMessage(type, null, false, null, id, null, null, null, reason);
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode().put("type", type);
        if (id != null) {
            node.put("id", id);
        }
        if (text != null) {
            node.put("text", text);
        }
        if (more) {
            node.put("more", true);
        }
        if (lines != null) {
            node.put("lines", lines);
        }
        if (name != null) {
            node.put("name", name);
        }
        if (size != null) {
            node.put("size", size);
        }
        if (sha256 != null) {
            node.put("sha256", sha256);
        }
        if (reason != null) {
            node.put("reason", reason);
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serialises", e);
        }
    }

    /**
     * Reads a control message; fields of the wrong JSON type count as absent.
     *
     * @throws IllegalArgumentException if the text is not a JSON object with a string {@code type}
     */
    public static PeerMessage parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !node.path("type").isTextual()) {
            throw new IllegalArgumentException("not a JSON object with a \"type\"");
        }
        return new PeerMessage(node.get("type").asText(), text(node, "text"), node.path("more").asBoolean(false),
                number(node, "lines"), number(node, "id"), text(node, "name"), number(node, "size"),
                text(node, "sha256"), text(node, "reason"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static Long number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.canConvertToExactIntegral() && v.canConvertToLong() ? v.asLong() : null;
    }
}
