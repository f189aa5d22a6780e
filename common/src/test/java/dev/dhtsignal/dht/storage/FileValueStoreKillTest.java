package dev.dhtsignal.dht.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise the file store makes, tested for real: a put that returned survives {@code kill -9} of
 * the process that made it. A child JVM ({@link KillTestWriter}) puts values and acknowledges each on
 * stdout; we SIGKILL it mid-stream, open its directory and look for every acknowledged value.
 */
class FileValueStoreKillTest {
    /** Enough puts that several compactions have happened (about 150 puts fill the child's log). */
    private static final long ACKS_BEFORE_KILL = 1500;
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    @Test
    void everyAcknowledgedPutSurvivesKill9() throws Exception {
        Path dir = temp.resolve("data");
        Path childErr = temp.resolve("child-stderr.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KillTestWriter.class.getName(), dir.toString())
                .redirectError(childErr.toFile())
                .start();
        Acks acks = new Acks(child.getInputStream());
        try {
            Await.until(ACKS_BEFORE_KILL + " acknowledged puts from the child", LIMIT,
                    () -> acks.last >= ACKS_BEFORE_KILL - 1 || acks.ended);
            assertTrue(child.isAlive() && acks.problem == null,
                    "the child stopped early: " + acks.problem + "\n" + Files.readString(childErr));

            // SIGKILL: no shutdown hooks, no close, no flush. Through the handle: Process.destroyForcibly also
            // closes our end of the child's stdout, and ACKs not yet read would be lost with it.
            child.toHandle().destroyForcibly();
            assertTrue(child.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "the killed child did not exit");
            acks.reader.join(LIMIT.toMillis());
            assertFalse(acks.reader.isAlive(), "the child's stdout did not end after it died");
        } finally {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "the child should die of SIGKILL while writing, not end by itself");
        assertEquals(null, acks.problem);

        long lastAck = acks.last;  // every ACK the child printed before dying, the pipe kept them
        try (FileValueStore store = FileValueStore.open(dir, StorageLimits.defaults(), Clock.systemUTC())) {
            assertEquals(List.of(), store.recovery().setAside(), "a kill leaves nothing damaged");
            Set<NodeId> knownKeys = new HashSet<>();
            for (int slot = 0; slot < KillTestWriter.KEYS && slot <= lastAck + 1; slot++) {
                NodeId key = KillTestWriter.keyOf(slot);
                knownKeys.add(key);
                Optional<DhtValue> found = store.get(key, Clock.systemUTC().instant());
                // The newest put of this key that was acknowledged, and the one put that may have completed
                // after the last ACK without its own ACK getting out.
                Long acked = slot <= lastAck ? lastAck - Math.floorMod(lastAck - slot, KillTestWriter.KEYS) : null;
                boolean unackedIsThisKey = Math.floorMod(lastAck + 1, KillTestWriter.KEYS) == slot;
                if (acked == null) {
                    assertTrue(found.isEmpty() || found.get().equals(KillTestWriter.valueOf(lastAck + 1)),
                            "key slot " + slot + " holds " + found);
                    continue;
                }
                assertTrue(found.isPresent(), "acknowledged put " + acked + " is lost (last ACK " + lastAck + ")");
                boolean expected = found.get().equals(KillTestWriter.valueOf(acked))
                        || (unackedIsThisKey && found.get().equals(KillTestWriter.valueOf(lastAck + 1)));
                assertTrue(expected, "slot " + slot + " holds " + found.get() + ", expected put " + acked
                        + " (last ACK " + lastAck + ")");
            }
            for (StoredEntry e : store.entries(Clock.systemUTC().instant())) {
                assertTrue(knownKeys.contains(e.key()), "loaded a key the child never wrote: " + e);
            }
            System.out.println("killed after ACK " + lastAck + "; reopened with " + store.recovery());
        }
    }

    /** Reads the child's stdout on a thread of its own, so the test can wait for it with a deadline. */
    private static final class Acks {
        final Thread reader;
        volatile long last = -1;
        volatile boolean ended;
        volatile String problem;

        Acks(InputStream stdout) {
            reader = new Thread(() -> read(stdout), "kill-test-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        private void read(InputStream stdout) {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.equals("ACK " + (last + 1))) {
                        last++;
                    } else if (problem == null) {
                        problem = "unexpected line after ACK " + last + ": " + line;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                ended = true;
            }
        }
    }

    @Test
    void childPutsAreWhatTheTestExpects() {
        // Guards the assumptions above: distinct slots are distinct keys, and values tell puts apart.
        assertEquals(KillTestWriter.keyOf(3), KillTestWriter.keyOf(3 + KillTestWriter.KEYS));
        assertTrue(!KillTestWriter.keyOf(3).equals(KillTestWriter.keyOf(4)));
        assertTrue(!KillTestWriter.valueOf(3).equals(KillTestWriter.valueOf(3 + KillTestWriter.KEYS)));
        if (KillTestWriter.valueOf(0).encodedSize() > StorageLimits.DEFAULT_MAX_VALUE_BYTES) {
            fail("the child's values must fit the default limits");
        }
    }
}
