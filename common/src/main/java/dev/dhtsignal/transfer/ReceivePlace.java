package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the files a receiver takes go: the receiving directory, and under it the directories an offer
 * names, each name made safe as a file's name is ({@link SafeFileName}). A directory is created only
 * inside the receiving directory: a name that is a link there (to anywhere) is refused, so no file of an
 * offer lands outside it.
 */
final class ReceivePlace {
    private final Path directory;
    private final boolean overwrite;
    private final boolean allowHidden;

    ReceivePlace(Path directory, boolean overwrite, boolean allowHidden) {
        this.directory = directory;
        this.overwrite = overwrite;
        this.allowHidden = allowHidden;
    }

    Path directory() {
        return directory;
    }

    boolean overwrite() {
        return overwrite;
    }

    /**
     * The path a file will have, its directories made safe (not yet created).
     *
     * @throws IllegalArgumentException saying which name is refused
     */
    Path target(List<String> dirs, String name) {
        Path at = directory;
        if (dirs != null) {
            for (String d : dirs) {
                String safe;
                try {
                    safe = SafeFileName.of(d, allowHidden);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage().replace("its name", "a directory of its path"));
                }
                at = at.resolve(safe);
            }
        }
        return at.resolve(SafeFileName.of(name, allowHidden));
    }

    /** Why the file cannot take {@code target}'s name, or null when it can. */
    String existsRefusal(Path target) {
        if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return shown(target) + " exists (use --force to overwrite)";
        }
        return null;
    }

    /**
     * Creates the directories leading to {@code target}.
     *
     * @throws IOException when one exists as something else than a directory (a file, a link), or cannot be made
     */
    void makeDirectories(Path target) throws IOException {
        Path at = directory;
        for (Path part : directory.relativize(target.getParent())) {
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                throw new IOException(shown(at) + " is a link here; files are not received through links");
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(at);
            } else if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(shown(at) + " exists and is not a directory");
            }
        }
    }

    /** The path as the receiver's user knows it: relative to the receiving directory, with "/". */
    String shown(Path path) {
        return directory.relativize(path).toString().replace('\\', '/');
    }
}
