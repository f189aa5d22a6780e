package dev.dhtsignal.server;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.storage.FileValueStore;
import dev.dhtsignal.dht.storage.NodeState;
import dev.dhtsignal.dht.storage.NodeStateFile;
import dev.dhtsignal.dht.storage.StorageLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --data-dir}: what a dht-server keeps across restarts. Values (with their remaining lifetime) in a
 * crash-safe {@link FileValueStore}; the node id and known contacts in {@link NodeStateFile}, saved when
 * the contacts change (checked every few seconds) and on shutdown, so a restarted node keeps its place
 * in the id space and rejoins through the nodes it knew.
 */
final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    /** Most contacts saved: enough to rejoin, small enough to ping all at start. */
    private static final int SAVED_CONTACTS = 160;

    private final FileValueStore store;
    private final NodeStateFile stateFile;
    private final NodeId nodeId;
    private final List<Contact> knownContacts;
    private List<Contact> lastSaved = List.of();

    private DataDirectory(FileValueStore store, NodeStateFile stateFile, NodeId nodeId, List<Contact> knownContacts) {
        this.store = store;
        this.stateFile = stateFile;
        this.nodeId = nodeId;
        this.knownContacts = knownContacts;
    }

    /**
     * Opens (or creates) the directory. The store is opened first: it takes the directory's lock, which
     * also guards the state file.
     *
     * @throws IOException naming the directory when it is locked by another server or unreadable
     */
    static DataDirectory open(Path dir, StorageLimits limits, Clock clock) throws IOException {
        FileValueStore store = FileValueStore.open(dir, limits, clock);
        try {
            FileValueStore.Recovery r = store.recovery();
            log.info("data dir {}: {} values loaded, {} expired skipped{}{}", dir, r.entriesLoaded(), r.expiredSkipped(),
                    r.tornBytesDropped() > 0 ? ", " + r.tornBytesDropped() + " bytes of a torn write cut off" : "",
                    r.setAside().isEmpty() ? "" : ", damaged files set aside: " + r.setAside());
            NodeStateFile stateFile = NodeStateFile.in(dir);
            Optional<NodeState> saved = stateFile.load();
            NodeId id = saved.map(NodeState::nodeId).orElseGet(() -> NodeId.random(new java.security.SecureRandom()));
            List<Contact> contacts = saved.map(NodeState::contacts).orElse(List.of());
            DataDirectory d = new DataDirectory(store, stateFile, id, contacts);
            if (saved.isEmpty()) {
                d.save(List.of());  // keep the id even if we crash before the first contacts are saved
            } else {
                log.info("data dir {}: node id {} and {} known contacts restored", dir, id.shortHex(), contacts.size());
            }
            return d;
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    FileValueStore store() {
        return store;
    }

    NodeId nodeId() {
        return nodeId;
    }

    /** Addresses of the contacts known before the restart, shuffled, to join through. */
    List<InetSocketAddress> knownAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Contact c : knownContacts) {
            out.add(c.address());
        }
        java.util.Collections.shuffle(out, new Random());
        return out;
    }

    /** Saves the node's contacts if they changed since the last save. */
    synchronized void saveContactsOf(KademliaNode node) {
        List<Contact> now = node.contacts();
        if (now.size() > SAVED_CONTACTS) {
            now = now.subList(0, SAVED_CONTACTS);
        }
        if (now.equals(lastSaved)) {
            return;
        }
        try {
            save(now);
        } catch (IOException e) {
            log.warn("could not save contacts to {}: {}", stateFile.path(), e.getMessage());
        }
    }

    private void save(List<Contact> contacts) throws IOException {
        stateFile.save(new NodeState(nodeId, contacts));
        lastSaved = List.copyOf(contacts);
    }
}
