package dev.dhtsignal.server;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.dht.ice.TurnRestCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The options that make a node a STUN server and a source of TURN credentials for the peers that join
 * it: {@code --no-stun}, {@code --turn-url}, {@code --turn-secret-file}, {@code --turn-ttl}.
 */
final class IceServerOptions {
    @Option(names = "--no-stun",
            description = "Answer no STUN Binding requests on the node's UDP port (answered by default, beside the DHT).")
    boolean noStun;

    @Option(names = "--turn-url", paramLabel = "URL",
            description = "A TURN server run with use-auth-secret (coturn), whose time-limited credentials this node hands "
                    + "the peers that ask it, e.g. turn:203.0.113.5:3478?transport=udp; repeatable. Needs --turn-secret-file.")
    List<String> turnUrls = new ArrayList<>();

    @Option(names = "--turn-secret-file", paramLabel = "FILE",
            description = "The file holding the TURN server's static-auth-secret, read once at start; it must not be "
                    + "readable by others (chmod 600).")
    Path turnSecretFile;

    @Option(names = "--turn-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long each TURN credential works, 1m to 1h (default: 10m).")
    Duration turnTtl = TurnRestCredentials.DEFAULT_LIFETIME;

    boolean answerStun() {
        return !noStun;
    }

    /**
     * The TURN credentials' source, or null when no TURN server was given.
     *
     * @throws picocli.CommandLine.ParameterException (exit 2, one line) for a missing, empty or
     *         world-readable secret file, or a TURN option without the others
     */
    TurnRestCredentials credentials(Object command, Clock clock) {
        if (turnUrls.isEmpty() && turnSecretFile == null) {
            return null;
        }
        if (turnUrls.isEmpty()) {
            throw Cli.usage(command, "--turn-secret-file needs at least one --turn-url");
        }
        if (turnSecretFile == null) {
            throw Cli.usage(command, "--turn-url needs --turn-secret-file (the TURN server's static-auth-secret)");
        }
        try {
            return new TurnRestCredentials(turnUrls, readSecret(command), turnTtl, clock);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(command, "--turn-url/--turn-ttl: " + e.getMessage());
        }
    }

    /** The secret's bytes, without the line end an editor adds; coturn reads static-auth-secret the same way. */
    private byte[] readSecret(Object command) {
        String file = "--turn-secret-file " + turnSecretFile;
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(turnSecretFile);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
                throw Cli.usage(command, file + " is readable by every user of this machine; chmod 600 it");
            }
        } catch (NoSuchFileException e) {
            throw Cli.usage(command, file + ": no such file");
        } catch (UnsupportedOperationException e) {
            // A file system without POSIX permissions: nothing to check.
        } catch (IOException e) {
            throw Cli.usage(command, file + ": " + e.getMessage());
        }
        String secret;
        try {
            secret = Files.readString(turnSecretFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw Cli.usage(command, file + ": cannot read it: " + e.getMessage());
        }
        if (secret.isEmpty()) {
            throw Cli.usage(command, file + " is empty; put the TURN server's static-auth-secret in it");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
