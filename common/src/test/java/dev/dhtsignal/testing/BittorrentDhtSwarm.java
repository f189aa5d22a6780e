package dev.dhtsignal.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback swarm of bittorrent-dht nodes (the npm package: an independent Mainline DHT implementation)
 * in a Node.js process, driven by {@code mainline-tests/swarm.mjs} over its standard input and output.
 * {@code scripts/setup.sh} installs Node.js and the package.
 */
public final class BittorrentDhtSwarm implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer in;
    private final List<InetSocketAddress> nodes = new ArrayList<>();
    private final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final StringBuilder errors = new StringBuilder();

    private BittorrentDhtSwarm(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Starts {@code count} nodes, which also bootstrap from {@code extra} (e.g. our own nodes). */
    public static BittorrentDhtSwarm start(int count, List<InetSocketAddress> extra) throws IOException {
        Path dir = mainlineTestsDirectory();
        List<String> command = new ArrayList<>(List.of("node", "swarm.mjs", Integer.toString(count)));
        for (InetSocketAddress a : extra) {
            command.add(a.getAddress().getHostAddress() + ":" + a.getPort());
        }
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        BittorrentDhtSwarm swarm = new BittorrentDhtSwarm(p);
        CompletableFuture<JsonNode> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> swarm.readReplies(ready), "bittorrent-dht-swarm-out");
        reader.setDaemon(true);
        reader.start();
        Thread stderr = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (swarm.errors) {
                        swarm.errors.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "bittorrent-dht-swarm-err");
        stderr.setDaemon(true);
        stderr.start();
        try {
            JsonNode r = ready.get(120, TimeUnit.SECONDS);
            for (JsonNode n : r.get("nodes")) {
                String[] hp = n.asText().split(":");
                swarm.nodes.add(new InetSocketAddress(InetAddress.getByName(hp[0]), Integer.parseInt(hp[1])));
            }
        } catch (Exception e) {
            swarm.close();
            throw new IOException("the bittorrent-dht swarm did not start: " + e + "\n" + swarm.errors(), e);
        }
        return swarm;
    }

    /** The project's {@code mainline-tests} directory, found upwards from the working directory. */
    static Path mainlineTestsDirectory() throws IOException {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path dir = p.resolve("mainline-tests");
            if (Files.isRegularFile(dir.resolve("swarm.mjs"))) {
                if (!Files.isDirectory(dir.resolve("node_modules").resolve("bittorrent-dht"))) {
                    throw new IOException("bittorrent-dht is not installed in " + dir + ": run scripts/setup.sh");
                }
                return dir;
            }
        }
        throw new IOException("no mainline-tests directory above " + Path.of("").toAbsolutePath());
    }

    private void readReplies(CompletableFuture<JsonNode> ready) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = JSON.readTree(line);
                if (n.has("ready")) {
                    ready.complete(n);
                } else {
                    CompletableFuture<JsonNode> f = waiting.remove(n.path("id").asInt());
                    if (f != null) {
                        f.complete(n);
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        ready.completeExceptionally(new IOException("the swarm process ended"));
        waiting.values().forEach(f -> f.completeExceptionally(new IOException("the swarm process ended: " + errors())));
    }

    public List<InetSocketAddress> nodes() {
        return List.copyOf(nodes);
    }

    /** Sends one request and waits for its reply. */
    public JsonNode request(ObjectNode request) throws Exception {
        int id = nextId.incrementAndGet();
        request.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        synchronized (in) {
            in.write(JSON.writeValueAsString(request) + "\n");
            in.flush();
        }
        return reply.get(120, TimeUnit.SECONDS);
    }

    public static ObjectNode op(String name) {
        return JSON.createObjectNode().put("op", name);
    }

    public String errors() {
        synchronized (errors) {
            return errors.toString();
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
