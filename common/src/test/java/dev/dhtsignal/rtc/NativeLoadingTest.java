package dev.dhtsignal.rtc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * webrtc-java's native library is loaded once per process, from the per-user cache, and webrtc-java's own
 * loader (which copies it to a temporary file) does not run as well. The first test fails when a new
 * webrtc-java changes how it loads the library; then {@link WebrtcNativeLibrary} needs a look.
 */
class NativeLoadingTest {
    @TempDir
    Path tmp;

    @Test
    void theLibraryIsMappedOnceFromTheCacheAndWebrtcJavaDoesNotLoadItAgain() throws Exception {
        try (RtcFactory factory = new RtcFactory()) {
            RtcPeer peer = factory.createPeer(RtcConfig.defaults());
            peer.createDataChannel("chat");
            dev.dhtsignal.testing.Await.result("offer", peer.createOffer()); // native code in use
        }
        assertEquals(WebrtcNativeLibrary.Outcome.CACHED, WebrtcNativeLibrary.load(),
                "webrtc-java's loading changed: see WebrtcNativeLibrary (and the log of this test)");

        Class<?> loader = Class.forName(WebrtcNativeLibrary.NATIVE_LOADER);
        var field = loader.getDeclaredField("LOADED_LIB_SET");
        assertTrue(Modifier.isStatic(field.getModifiers()));
        field.setAccessible(true);
        assertEquals(Set.of(WebrtcNativeLibrary.NAME), field.get(null), "names webrtc-java's loader believes loaded");

        // Every mapping of the library in this process comes from one file, the cached copy. Had webrtc-java's
        // loader run too, a second file (a deleted temporary copy) would be mapped.
        NativeLibraryCache.Entry entry = WebrtcNativeLibrary.entry(loader);
        Path cached = NativeLibraryCache.forCurrentUser().dir().resolve(entry.cachedName());
        Set<String> mapped;
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            mapped = maps.map(line -> line.split("\\s+", 6))
                    .filter(f -> f.length == 6 && f[5].contains("webrtc-java"))
                    .map(f -> f[5])
                    .collect(Collectors.toSet());
        }
        assertEquals(Set.of(cached.toString()), mapped);
        assertTrue(NativeLibraryCache.matches(cached, entry));
    }

    @Test
    void aCopyIsExtractedOnceThenReused() throws Exception {
        byte[] library = randomBytes(300_000);
        AtomicInteger opened = new AtomicInteger();
        NativeLibraryCache.Entry entry = entryOf("libexample.so", library, opened);
        NativeLibraryCache cache = new NativeLibraryCache(tmp.resolve("cache"));

        Path first = cache.copyOf(entry);
        Object inode = Files.getAttribute(first, "unix:ino");
        Path second = cache.copyOf(entry);

        assertEquals(first, second);
        assertEquals(inode, Files.getAttribute(second, "unix:ino"), "the copy is not written again");
        assertEquals(1, opened.get(), "the jar's bytes are read once");
        assertArrayEquals(library, Files.readAllBytes(first));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.dir())));
        Set<PosixFilePermission> copyPermissions = Files.getPosixFilePermissions(first);
        assertFalse(copyPermissions.contains(PosixFilePermission.GROUP_WRITE)
                || copyPermissions.contains(PosixFilePermission.OTHERS_WRITE), "only the owner may write the copy");
    }

    @Test
    void aDamagedCopyIsReplaced() throws Exception {
        byte[] library = randomBytes(100_000);
        NativeLibraryCache cache = new NativeLibraryCache(tmp.resolve("cache"));
        NativeLibraryCache.Entry entry = entryOf("libexample.so", library, new AtomicInteger());
        Path copy = cache.copyOf(entry);
        byte[] damaged = library.clone();
        damaged[50_000] ^= 1;
        Files.write(copy, damaged);

        assertEquals(copy, cache.copyOf(entry));
        assertArrayEquals(library, Files.readAllBytes(copy));
    }

    @Test
    void aDirectoryOthersMayWriteIsRefused() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        NativeLibraryCache cache = new NativeLibraryCache(shared);
        IOException refused = assertThrows(IOException.class,
                () -> cache.copyOf(entryOf("libexample.so", randomBytes(10), new AtomicInteger())));
        assertTrue(refused.getMessage().contains("written by other users"), refused.getMessage());
        try (Stream<Path> files = Files.list(shared)) {
            assertEquals(0, files.count(), "nothing is written into a refused directory");
        }
    }

    @Test
    void aCacheThatCannotBeCreatedIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("a file"), "x");
        NativeLibraryCache cache = new NativeLibraryCache(file.resolve("cache"));
        assertThrows(IOException.class, () -> cache.copyOf(entryOf("libexample.so", randomBytes(10), new AtomicInteger())));
    }

    @Test
    void bytesThatDoNotMatchTheJarsRecordAreNeverInstalled() throws Exception {
        byte[] library = randomBytes(10_000);
        CRC32 crc = new CRC32();
        crc.update(library);
        byte[] other = library.clone();
        other[0] ^= 1;
        NativeLibraryCache cache = new NativeLibraryCache(tmp.resolve("cache"));
        var lying = new NativeLibraryCache.Entry("libexample.so", library.length, crc.getValue(),
                () -> new ByteArrayInputStream(other));
        assertThrows(IOException.class, () -> cache.copyOf(lying));
        try (Stream<Path> files = Files.list(cache.dir())) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void programsStartingTogetherAllGetOneWholeCopy() throws Exception {
        byte[] library = randomBytes(2_000_000);
        NativeLibraryCache.Entry entry = entryOf("libexample.so", library, new AtomicInteger());
        int starters = 8;
        ExecutorService pool = Executors.newFixedThreadPool(starters);
        try {
            List<Callable<Path>> tasks = new ArrayList<>();
            for (int i = 0; i < starters; i++) {
                // A cache object each, as separate processes would have.
                tasks.add(() -> new NativeLibraryCache(tmp.resolve("cache")).copyOf(entry));
            }
            Set<Path> copies = new java.util.HashSet<>();
            for (Future<Path> f : pool.invokeAll(tasks)) {
                copies.add(f.get());
            }
            assertEquals(1, copies.size());
            assertArrayEquals(library, Files.readAllBytes(copies.iterator().next()));
            try (Stream<Path> files = Files.list(tmp.resolve("cache"))) {
                assertEquals(List.of(copies.iterator().next()), files.toList(), "no temporary file is left");
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void anotherVersionGetsItsOwnCopyAndTheOldOneIsRemoved() throws Exception {
        NativeLibraryCache cache = new NativeLibraryCache(tmp.resolve("cache"));
        Path old = cache.copyOf(entryOf("libexample.so", randomBytes(1000), new AtomicInteger()));
        Path current = cache.copyOf(entryOf("libexample.so", randomBytes(1001), new AtomicInteger()));
        assertFalse(old.equals(current));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(current));
    }

    private static NativeLibraryCache.Entry entryOf(String name, byte[] bytes, AtomicInteger opened) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return new NativeLibraryCache.Entry(name, bytes.length, crc.getValue(), () -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(bytes);
        });
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
