package dev.dhtsignal.dht.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.NodeId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeStateFileTest {
    @TempDir
    Path dir;

    private final Random random = new Random(7);

    private NodeState someState() throws IOException {
        return new NodeState(NodeId.random(random), List.of(
                new Contact(NodeId.random(random), new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 8468)),
                new Contact(NodeId.random(random), new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 9000)),
                new Contact(NodeId.random(random), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1))));
    }

    private List<Path> damagedFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(NodeStateFile.FILE_NAME + ".damaged-"))
                    .toList();
        }
    }

    @Test
    void nothingSavedLoadsEmpty() throws IOException {
        assertEquals(Optional.empty(), NodeStateFile.in(dir.resolve("not yet created")).load());
    }

    @Test
    void savedStateLoadsBackEqual() throws IOException {
        NodeState state = someState();
        NodeStateFile.in(dir).save(state);
        assertEquals(Optional.of(state), NodeStateFile.in(dir).load());

        NodeState next = new NodeState(state.nodeId(), state.contacts().subList(0, 1));
        NodeStateFile.in(dir).save(next);
        assertEquals(Optional.of(next), NodeStateFile.in(dir).load(), "a save replaces the previous state");
        assertFalse(Files.exists(AtomicFile.tempFor(dir.resolve(NodeStateFile.FILE_NAME))));
    }

    @Test
    void fileIsReadableJson() throws IOException {
        NodeState state = someState();
        NodeStateFile.in(dir).save(state);
        String json = Files.readString(dir.resolve(NodeStateFile.FILE_NAME));
        assertTrue(json.contains("\"nodeId\" : \"" + state.nodeId().toHex() + "\""), json);
        assertTrue(json.contains("\"ip\" : \"203.0.113.7\""), json);
    }

    @Test
    void truncatedFileIsSetAsideAndLoadsEmpty() throws IOException {
        NodeStateFile file = NodeStateFile.in(dir);
        file.save(someState());
        byte[] json = Files.readAllBytes(file.path());
        Files.write(file.path(), Arrays.copyOf(json, json.length / 2));

        assertEquals(Optional.empty(), file.load());
        assertFalse(Files.exists(file.path()));
        List<Path> aside = damagedFiles();
        assertEquals(1, aside.size());
        assertEquals(json.length / 2, Files.size(aside.get(0)), "the damaged file is kept as it was");
        assertEquals(Optional.empty(), file.load(), "and stays out of the way");
    }

    @Test
    void wellFormedJsonWithAnInvalidFieldIsSetAsideToo() throws IOException {
        NodeStateFile file = NodeStateFile.in(dir);
        file.save(someState());
        String json = Files.readString(file.path()).replace("203.0.113.7", "203.0.113.700");
        Files.writeString(file.path(), json, StandardCharsets.UTF_8);

        assertEquals(Optional.empty(), file.load());
        assertEquals(1, damagedFiles().size());
    }

    @Test
    void fileOfANewerVersionIsRefusedNotSetAside() throws IOException {
        NodeStateFile file = NodeStateFile.in(dir);
        file.save(someState());
        Files.writeString(file.path(), Files.readString(file.path()).replace("\"version\" : 1", "\"version\" : 2"));

        IOException e = assertThrows(IOException.class, file::load);
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertTrue(Files.exists(file.path()));
        assertEquals(List.of(), damagedFiles());
    }

    @Test
    void leftoverTempFileIsRemovedAndTheSavedStateKept() throws IOException {
        NodeStateFile file = NodeStateFile.in(dir);
        NodeState state = someState();
        file.save(state);
        Files.writeString(AtomicFile.tempFor(file.path()), "{\"format\" : \"dhtsig");  // a crash mid-save

        assertEquals(Optional.of(state), file.load());
        assertFalse(Files.exists(AtomicFile.tempFor(file.path())));
    }
}
