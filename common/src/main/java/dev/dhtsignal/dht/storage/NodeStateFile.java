package dev.dhtsignal.dht.storage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private static final JSON PRETTY = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

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
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("nodeId", state.nodeId().toHex());
        List<Map<String, Object>> contacts = new ArrayList<>();
        root.put("contacts", contacts);
        int skipped = 0;
        for (Contact c : state.contacts()) {
            String ip = Endpoints.hostText(c.address());
            if (Endpoints.fromWire(ip, c.address().getPort()).isEmpty()) {
                skipped++;
                continue;
            }
            Map<String, Object> contact = new LinkedHashMap<>();
            contact.put("id", c.id().toHex());
            contact.put("ip", ip);
            contact.put("port", c.address().getPort());
            contacts.add(contact);
        }
        if (skipped > 0) {
            log.debug("left {} contacts with scoped addresses out of {}", skipped, file);
        }
        byte[] json = PRETTY.asBytes(root);
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
        Object root;
        try (JsonParser parser = JSON.std.getStreamingFactory().createParser(bytes)) {
            root = JSON.std.anyFrom(parser);
            if (parser.nextToken() != null) {
                throw new DamagedStateException("not valid JSON: more after the object");
            }
        } catch (JsonProcessingException e) {
            throw new DamagedStateException("not valid JSON: " + e.getOriginalMessage());
        }
        if (!(root instanceof Map<?, ?> object)) {
            throw new DamagedStateException("not a JSON object");
        }
        if (!FORMAT.equals(object.get("format"))) {
            throw new DamagedStateException("\"format\" is not \"" + FORMAT + "\"");
        }
        if (!(object.get("version") instanceof Integer version) || version < 1) {
            throw new DamagedStateException("\"version\" is not a positive integer");
        }
        if (version > VERSION) {
            throw new IOException(FORMAT + " version " + version + " is newer than this program reads ("
                    + VERSION + ")");
        }
        NodeId nodeId = id(object.get("nodeId"), "\"nodeId\"");
        if (!(object.get("contacts") instanceof List<?> contactsNode)) {
            throw new DamagedStateException("\"contacts\" is not an array");
        }
        List<Contact> contacts = new ArrayList<>(contactsNode.size());
        for (int i = 0; i < contactsNode.size(); i++) {
            contacts.add(contact(contactsNode.get(i), "contact " + i));
        }
        return new NodeState(nodeId, contacts);
    }

    private static Contact contact(Object node, String what) throws DamagedStateException {
        Map<?, ?> object = node instanceof Map<?, ?> m ? m : Map.of();
        NodeId id = id(object.get("id"), what + " \"id\"");
        if (!(object.get("ip") instanceof String ip) || !(object.get("port") instanceof Integer port)) {
            throw new DamagedStateException(what + " lacks a textual \"ip\" or an integer \"port\"");
        }
        InetSocketAddress address = Endpoints.fromWire(ip, port)
                .orElseThrow(() -> new DamagedStateException(what + " has no valid IP literal and port: "
                        + ip + " " + port));
        return new Contact(id, address);
    }

    private static NodeId id(Object node, String what) throws DamagedStateException {
        String hex = node instanceof String text ? text : "";
        if (!hex.matches("[0-9a-fA-F]{" + 2 * NodeId.LENGTH + "}")) {
            throw new DamagedStateException(what + " is not " + 2 * NodeId.LENGTH + " hex digits");
        }
        return NodeId.fromHex(hex);
    }
}
