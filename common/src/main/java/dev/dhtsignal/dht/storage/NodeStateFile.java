package dev.dhtsignal.dht.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's id and known contacts, kept in {@code DIR/node-state.json} so a restarted node keeps its id
 * and can rejoin through the nodes it knew. The file is JSON, for people to read:
 *
 * <pre>
 * {
 *   "format" : "dhtsignal-node-state",
 *   "version" : 1,
 *   "nodeId" : "40 hex digits",
 *   "contacts" : [ { "id" : "40 hex digits", "ip" : "203.0.113.7", "port" : 8468 }, ... ]
 * }
 * </pre>
 *
 * Each save replaces the whole file atomically ({@link AtomicFile}), so a crash leaves the previous state
 * or the new one. A file that does not parse or fails any check (an id that is not 40 hex digits, an
 * address that is not an IP literal, a port out of range) is set aside ({@link DamagedFiles}) and
 * {@link #load} returns empty: the node starts afresh rather than on a half-understood state.
 *
 * <p>The file is not locked by itself: it lives in the data directory whose lock the server's
 * {@link FileValueStore} holds.
 */
public final class NodeStateFile {
    private static final Logger log = LoggerFactory.getLogger(NodeStateFile.class);

    static final String FILE_NAME = "node-state.json";
    static final String FORMAT = "dhtsignal-node-state";
    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;

    private NodeStateFile(Path file) {
        this.file = file;
    }

    /** The state file of data directory {@code dir}; nothing is read or created yet. */
    public static NodeStateFile in(Path dir) {
        return new NodeStateFile(dir.resolve(FILE_NAME));
    }

    public Path path() {
        return file;
    }

    /**
     * The saved state, or empty when there is none or the file was damaged (then it is set aside and the
     * reason logged).
     *
     * @throws IOException when the file cannot be read, or was written by a newer version of this program
     */
    public Optional<NodeState> load() throws IOException {
        AtomicFile.removeLeftoverTemp(file);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            NodeState state = parse(bytes);
            log.debug("loaded node id {} and {} contacts from {}", state.nodeId().shortHex(),
                    state.contacts().size(), file);
            return Optional.of(state);
        } catch (DamagedStateException e) {
            DamagedFiles.setAside(file, e.getMessage() + "; the node starts without a saved id and contacts");
            return Optional.empty();
        }
    }

    /**
     * Replaces the saved state, durably. Contacts whose address has no plain IP form (an IPv6 address with
     * a scope) are left out. Saves from several threads are serialised.
     */
    public synchronized void save(NodeState state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("nodeId", state.nodeId().toHex());
        ArrayNode contacts = root.putArray("contacts");
        int skipped = 0;
        for (Contact c : state.contacts()) {
            String ip = Endpoints.hostText(c.address());
            if (Endpoints.fromWire(ip, c.address().getPort()).isEmpty()) {
                skipped++;
                continue;
            }
            contacts.addObject().put("id", c.id().toHex()).put("ip", ip).put("port", c.address().getPort());
        }
        if (skipped > 0) {
            log.debug("left {} contacts with scoped addresses out of {}", skipped, file);
        }
        byte[] json = JSON.writeValueAsBytes(root);
        Files.createDirectories(file.getParent());
        AtomicFile.write(file, out -> out.write(json));
    }

    /** The file parsed but is not a state this code can trust. */
    private static final class DamagedStateException extends Exception {
        DamagedStateException(String message) {
            super(message);
        }
    }

    private static NodeState parse(byte[] bytes) throws DamagedStateException, IOException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new DamagedStateException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new DamagedStateException("not a JSON object");
        }
        if (!FORMAT.equals(root.path("format").asText(null))) {
            throw new DamagedStateException("\"format\" is not \"" + FORMAT + "\"");
        }
        JsonNode version = root.path("version");
        if (!version.isInt() || version.intValue() < 1) {
            throw new DamagedStateException("\"version\" is not a positive integer");
        }
        if (version.intValue() > VERSION) {
            throw new IOException(FORMAT + " version " + version.intValue() + " is newer than this program reads ("
                    + VERSION + ")");
        }
        NodeId nodeId = id(root.path("nodeId"), "\"nodeId\"");
        JsonNode contactsNode = root.path("contacts");
        if (!contactsNode.isArray()) {
            throw new DamagedStateException("\"contacts\" is not an array");
        }
        List<Contact> contacts = new ArrayList<>(contactsNode.size());
        for (int i = 0; i < contactsNode.size(); i++) {
            contacts.add(contact(contactsNode.get(i), "contact " + i));
        }
        return new NodeState(nodeId, contacts);
    }

    private static Contact contact(JsonNode node, String what) throws DamagedStateException {
        NodeId id = id(node.path("id"), what + " \"id\"");
        JsonNode ip = node.path("ip");
        JsonNode port = node.path("port");
        if (!ip.isTextual() || !port.isInt()) {
            throw new DamagedStateException(what + " lacks a textual \"ip\" or an integer \"port\"");
        }
        InetSocketAddress address = Endpoints.fromWire(ip.textValue(), port.intValue())
                .orElseThrow(() -> new DamagedStateException(what + " has no valid IP literal and port: "
                        + ip.textValue() + " " + port.intValue()));
        return new Contact(id, address);
    }

    private static NodeId id(JsonNode node, String what) throws DamagedStateException {
        String hex = node.isTextual() ? node.textValue() : "";
        if (!hex.matches("[0-9a-fA-F]{" + 2 * NodeId.LENGTH + "}")) {
            throw new DamagedStateException(what + " is not " + 2 * NodeId.LENGTH + " hex digits");
        }
        return NodeId.fromHex(hex);
    }
}
