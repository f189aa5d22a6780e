package dev.dhtsignal.dht.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a file that fails verification: it is renamed to {@code NAME.damaged-<epochmillis>}
 * next to where it was and an error is logged. Nothing is deleted, so whatever the damaged file still
 * holds can be inspected or recovered by hand, and the program can carry on without it.
 */
final class DamagedFiles {
    private static final Logger log = LoggerFactory.getLogger(DamagedFiles.class);

    private DamagedFiles() {
    }

    /**
     * Moves {@code file} aside and logs why.
     *
     * @param problem what is wrong and what was kept of it, completing "FILE is damaged: ..."
     * @return where the file now is
     */
    static Path setAside(Path file, String problem) throws IOException {
        String base = file.getFileName() + ".damaged-" + System.currentTimeMillis();
        for (int attempt = 1; ; attempt++) {
            Path aside = file.resolveSibling(attempt == 1 ? base : base + "-" + attempt);
            if (Files.exists(aside)) {
                continue;
            }
            try {
                // A rename within the directory; without REPLACE_EXISTING it never overwrites an earlier one.
                Files.move(file, aside);
            } catch (FileAlreadyExistsException raced) {
                continue;
            }
            log.error("{} is damaged: {}. Moved it aside to {}; nothing was deleted.", file, problem,
                    aside.getFileName());
            return aside;
        }
    }
}
