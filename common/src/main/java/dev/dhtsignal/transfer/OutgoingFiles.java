package dev.dhtsignal.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What {@code --send} names, as the files to offer: a file as itself, a directory as every file in its
 * tree with the directories leading to it (in name order, so both sides see the same order). A link
 * inside a directory is followed only when it points inside that directory: a tree never sends what lies
 * outside it.
 */
public final class OutgoingFiles {
    /**
     * One file to offer.
     *
     * @param path where it is here
     * @param dir  the directories it goes in on the receiving side (empty for a file named itself)
     * @param name its own name
     * @param size its size when listed
     */
    public record Entry(Path path, List<String> dir, String name, long size) {
        /** As the receiver will place it: "photos/2024/a.jpg". */
        public String shown() {
            return dir.isEmpty() ? name : String.join("/", dir) + "/" + name;
        }
    }

    /** What one {@code --send} argument stands for. */
    public record Item(Path argument, boolean directory, List<Entry> entries) {
        public String name() {
            Path n = argument.toAbsolutePath().normalize().getFileName();
            return n == null ? "/" : n.toString();
        }

        public long bytes() {
            return entries.stream().mapToLong(Entry::size).sum();
        }
    }

    private OutgoingFiles() {
    }

    /**
     * Lists what {@code arguments} name.
     *
     * @param skipped told of each link in a directory that is left out, and why
     * @throws IllegalArgumentException naming the argument that is missing or cannot be read
     */
    public static List<Item> list(List<Path> arguments, Consumer<String> skipped) {
        List<Item> items = new ArrayList<>();
        for (Path argument : arguments) {
            if (!Files.exists(argument, LinkOption.NOFOLLOW_LINKS) && !Files.exists(argument)) {
                throw new IllegalArgumentException(argument + ": no such file or directory");
            }
            if (Files.isDirectory(argument)) {
                items.add(new Item(argument, true, tree(argument, skipped)));
            } else if (Files.isRegularFile(argument)) {
                if (!Files.isReadable(argument)) {
                    throw new IllegalArgumentException(argument + " cannot be read");
                }
                items.add(new Item(argument, false, List.of(new Entry(argument, List.of(),
                        argument.getFileName().toString(), size(argument)))));
            } else if (!Files.exists(argument)) {
                throw new IllegalArgumentException(argument + " is a link to nothing (" + target(argument) + ")");
            } else {
                throw new IllegalArgumentException(argument + " is neither a file nor a directory");
            }
        }
        return items;
    }

    /** Every file of {@code all} together. */
    public static List<Entry> entries(List<Item> all) {
        return all.stream().flatMap(i -> i.entries().stream()).toList();
    }

    private static List<Entry> tree(Path root, Consumer<String> skipped) {
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException(root + " cannot be read: " + e.getMessage());
        }
        String top = root.toAbsolutePath().normalize().getFileName() == null ? realRoot.getFileName().toString()
                : root.toAbsolutePath().normalize().getFileName().toString();
        List<Entry> entries = new ArrayList<>();
        // Links are not followed by the walk; each one met is looked at below.
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                Path relative = root.relativize(p);
                if (relative.toString().isEmpty()) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    Path real;
                    try {
                        real = p.toRealPath();
                    } catch (IOException e) {
                        skipped.accept(root.resolve(relative) + ": a link to nothing; left out");
                        continue;
                    }
                    if (!real.startsWith(realRoot)) {
                        skipped.accept(root.resolve(relative) + ": a link out of " + root + " (to " + real + "); left out");
                        continue;
                    }
                    if (!Files.isRegularFile(real)) {
                        skipped.accept(root.resolve(relative) + ": a link to a directory; left out (its files are sent "
                                + "where they are)");
                        continue;
                    }
                } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;  // a directory (its files come on their own) or a device, pipe or socket
                }
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException(p + " cannot be read");
                }
                List<String> dir = new ArrayList<>();
                dir.add(top);
                for (int i = 0; i < relative.getNameCount() - 1; i++) {
                    dir.add(relative.getName(i).toString());
                }
                entries.add(new Entry(p, List.copyOf(dir), relative.getFileName().toString(), size(p)));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(root + " cannot be read: " + e.getMessage());
        }
        return entries;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(p + ": no such file or directory");
        } catch (IOException e) {
            throw new IllegalArgumentException(p + " cannot be read: " + e.getMessage());
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "?";
        }
    }
}
