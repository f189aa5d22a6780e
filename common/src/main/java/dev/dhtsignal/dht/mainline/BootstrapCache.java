package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.Endpoints;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Nodes of the Mainline DHT that answered during the last run, kept for the next start, as BitTorrent clients
 * do: a start that finds some of them alive joins through them and need not ask the routers at all (one round
 * trip to nodes spread over the network instead of one to a router, which then sends everyone to the same
 * few nodes). Used only when no {@code --bootstrap} is given.
 *
 * <p>The file is {@code $XDG_CACHE_HOME/webrtc-dht-signaling/mainline-nodes} ({@code ~/.cache/...} without that
 * variable), one {@code ADDRESS:PORT} a line (numeric addresses only: nothing is resolved), at most
 * {@link #LIMIT} of them, readable and writable by its owner only in a directory only the owner can enter,
 * written whole (a new file moved into place) at the end of a run. A file that cannot be read or written never
 * stops a program: it is warned about and the program joins through the routers.
 */
public final class BootstrapCache {
    /** Nodes kept: enough that some are alive after days, few enough to ask them all at once. */
    public static final int LIMIT = 64;
    /** Longest line read: an IPv6 address in brackets and a port. */
    private static final int LONGEST_LINE = 64;

    private final Path file;
    private final Consumer<String> warn;

    private BootstrapCache(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
    }

    /** The user's cache: {@code $XDG_CACHE_HOME/webrtc-dht-signaling/mainline-nodes} (or under {@code ~/.cache}). */
    public static BootstrapCache forUser(Consumer<String> warn) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return new BootstrapCache(base.resolve("webrtc-dht-signaling").resolve("mainline-nodes"), warn);
    }

    /** A cache kept in {@code file}. */
    public static BootstrapCache in(Path file, Consumer<String> warn) {
        return new BootstrapCache(file, warn);
    }

    public Path file() {
        return file;
    }

    /** The nodes kept, newest first; none when there is no file, or it cannot be read (warned about). */
    public List<InetSocketAddress> load() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<InetSocketAddress> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (out.size() >= LIMIT) {
                    break;
                }
                parse(line.strip()).ifPresent(out::add);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            warn.accept("cannot read the Mainline DHT nodes kept in " + file + " (" + describe(e)
                    + "); joining through the routers");
            return List.of();
        }
    }

    /** Keeps these nodes (the first {@link #LIMIT}) for the next start, replacing what was kept. */
    public void save(List<InetSocketAddress> nodes) {
        Set<String> lines = new LinkedHashSet<>();
        for (InetSocketAddress a : nodes) {
            if (lines.size() >= LIMIT) {
                break;
            }
            if (a.getAddress() != null && !a.getAddress().isAnyLocalAddress() && a.getPort() > 0) {
                lines.add(Endpoints.format(a));
            }
        }
        if (lines.isEmpty()) {
            return;  // a run that met nobody keeps what an earlier one found
        }
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path fresh = Files.createTempFile(dir, "mainline-nodes", ".new",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(fresh, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
                Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(fresh);
            }
        } catch (IOException | RuntimeException e) {
            warn.accept("cannot keep the Mainline DHT nodes met in " + file + " (" + describe(e)
                    + "); the next start joins through the routers");
        }
    }

    /** A numeric {@code ADDRESS:PORT} (brackets around IPv6); anything else is skipped, never resolved. */
    static java.util.Optional<InetSocketAddress> parse(String line) {
        if (line.isEmpty() || line.length() > LONGEST_LINE) {
            return java.util.Optional.empty();
        }
        int colon = line.lastIndexOf(':');
        if (colon <= 0) {
            return java.util.Optional.empty();
        }
        String host = line.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean numeric = host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || (host.contains(":") && host.matches("[0-9a-fA-F:.]+"));
        if (!numeric) {
            return java.util.Optional.empty();
        }
        try {
            int port = Integer.parseInt(line.substring(colon + 1));
            if (port < 1 || port > 65535) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (NumberFormatException | IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
    }
}
