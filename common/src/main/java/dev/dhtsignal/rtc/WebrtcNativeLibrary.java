package dev.dhtsignal.rtc;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.JarEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads webrtc-java's native library from the per-user {@link NativeLibraryCache} instead of letting
 * webrtc-java copy it out of the jar into a new temporary file at every start.
 *
 * <p>webrtc-java loads the library itself: the static initialisers of its native classes call
 * {@code NativeLoader.loadLibrary("webrtc-java")}, which copies the resource named
 * {@code System.mapLibraryName("webrtc-java-" + getOSFamily() + "-" + getOSArch())} to a temporary file,
 * loads that with {@link System#load} and adds the name to a private set, skipping names already in it. So
 * this class loads the same resource from the cache and puts the name in that set first. It relies on
 * three details of webrtc-java's {@code NativeLoader} (the class, its two platform methods and its set of
 * loaded names). When any of them is missing, or the cache cannot be used, loading is left to webrtc-java
 * as before, only slower; {@code NativeLoadingTest} fails when a new webrtc-java changes these details.
 */
final class WebrtcNativeLibrary {
    private static final Logger log = LoggerFactory.getLogger(WebrtcNativeLibrary.class);

    /** The name webrtc-java's classes pass to {@code NativeLoader.loadLibrary}. */
    static final String NAME = "webrtc-java";
    static final String NATIVE_LOADER = "dev.onvoid.webrtc.internal.NativeLoader";

    /** How the library came to be loaded. */
    enum Outcome {
        /** From a verified copy in the cache. */
        CACHED,
        /** Left to webrtc-java's own loader (a temporary copy), for the reason logged. */
        LEFT_TO_WEBRTC_JAVA
    }

    private static Outcome outcome; // guarded by the class

    private WebrtcNativeLibrary() {
    }

    /** Loads the library once per process; later calls return the first call's outcome. Never throws. */
    static synchronized Outcome load() {
        if (outcome == null) {
            outcome = loadFrom(NativeLibraryCache.forCurrentUser());
        }
        return outcome;
    }

    private static Outcome loadFrom(NativeLibraryCache cache) {
        Set<String> loadedNames;
        NativeLibraryCache.Entry entry;
        try {
            Class<?> loader = Class.forName(NATIVE_LOADER, true, WebrtcNativeLibrary.class.getClassLoader());
            loadedNames = loadedNames(loader);
            entry = entry(loader);
        } catch (ReflectiveOperationException | RuntimeException | IOException e) {
            log.debug("webrtc-java loads its native library itself: its loader is not as expected ({})", e.toString());
            return Outcome.LEFT_TO_WEBRTC_JAVA;
        }
        Path copy;
        try {
            copy = cache.copyOf(entry);
        } catch (IOException | RuntimeException e) {
            log.debug("webrtc-java loads its native library itself: the cache {} cannot be used ({})",
                    cache.dir(), e.toString());
            return Outcome.LEFT_TO_WEBRTC_JAVA;
        }
        // The name goes in first: loading runs the library's JNI_OnLoad, which may initialise a class of
        // webrtc-java whose static initialiser asks NativeLoader for the library again.
        if (!loadedNames.add(NAME)) {
            return Outcome.LEFT_TO_WEBRTC_JAVA; // webrtc-java loaded it already
        }
        try {
            System.load(copy.toString());
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // webrtc-java tries again and reports its own failure (e.g. libpulse0 missing), as it always did.
            loadedNames.remove(NAME);
            log.debug("loading {} failed ({}); webrtc-java loads its native library itself", copy, e.toString());
            return Outcome.LEFT_TO_WEBRTC_JAVA;
        }
        log.debug("loaded webrtc-java's native library from {}", copy);
        return Outcome.CACHED;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> loadedNames(Class<?> loader) throws ReflectiveOperationException {
        Field field = loader.getDeclaredField("LOADED_LIB_SET");
        field.setAccessible(true);
        Object value = field.get(null);
        if (!(value instanceof Set<?>)) {
            throw new NoSuchFieldException("LOADED_LIB_SET is not a set");
        }
        return (Set<String>) value;
    }

    /** The library inside webrtc-java's platform jar, named exactly as webrtc-java names it. */
    static NativeLibraryCache.Entry entry(Class<?> loader) throws ReflectiveOperationException, IOException {
        String resource = System.mapLibraryName(NAME + "-" + invoke(loader, "getOSFamily") + "-" + invoke(loader, "getOSArch"));
        ClassLoader classes = loader.getClassLoader();
        URL url = classes.getResource(resource);
        if (url == null) {
            throw new IOException("no resource " + resource);
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            throw new IOException(resource + " is not inside a jar: " + url);
        }
        JarEntry jarEntry = jar.getJarEntry();
        if (jarEntry == null || jarEntry.getSize() < 0 || jarEntry.getCrc() < 0) {
            throw new IOException("the jar records no size or CRC-32 for " + url);
        }
        return new NativeLibraryCache.Entry(resource, jarEntry.getSize(), jarEntry.getCrc(), () -> {
            var in = classes.getResourceAsStream(resource);
            if (in == null) {
                throw new IOException("no resource " + resource);
            }
            return in;
        });
    }

    private static String invoke(Class<?> loader, String method) throws ReflectiveOperationException {
        Method m = loader.getDeclaredMethod(method);
        m.setAccessible(true);
        return (String) m.invoke(null);
    }
}
