package dev.dhtsignal.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ValueTooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /dht/KEY}: one DHT value, read with GET, written with PUT, watched with a long-poll (GET with
 * {@code Prefer: wait=N}). KEY is the 20-byte DHT key in hex, or {@code name/NAME} for the SHA-1 of a
 * name, as the original peers derive keys. Values travel as their payload: a MessagePack str as
 * {@code text/plain; charset=utf-8}, a bin as {@code application/octet-stream}. See docs/gateway.md.
 */
final class ValueResource {
    static final String PREFIX = "/dht/";
    private static final Pattern HEX_KEY = Pattern.compile("[0-9a-fA-F]{40}");
    private static final Pattern WAIT = Pattern.compile("(?i)(?:^|[;,\\s])wait\\s*=\\s*(\\d{1,6})(?:$|[;,\\s])");
    private static final int MAX_NAME_LENGTH = 1000;
    static final String TEXT = "text/plain; charset=utf-8";
    static final String BINARY = "application/octet-stream";
    static final String MSGPACK = "application/msgpack";

    private final KademliaNode node;
    private final GatewayOptions options;
    private final ValueWatches watches;
    private final Map<InetAddress, Integer> waitsByClient = new HashMap<>();
    private int waits;

    ValueResource(KademliaNode node, GatewayOptions options, ValueWatches watches) {
        this.node = node;
        this.options = options;
        this.watches = watches;
    }

    void handle(HttpExchange ex, String path) throws IOException {
        NodeId key;
        try {
            key = parseKey(path.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            Reply.error(ex, 400, e.getMessage());
            return;
        }
        switch (ex.getRequestMethod()) {
            case "GET", "HEAD" -> get(ex, key);
            case "PUT" -> put(ex, key);
            default -> {
                ex.getResponseHeaders().set("Allow", "GET, HEAD, PUT, OPTIONS");
                Reply.error(ex, 405, ex.getRequestMethod() + " is not supported on a value; use GET or PUT");
            }
        }
    }

    static NodeId parseKey(String raw) {
        if (raw.startsWith("name/")) {
            String name;
            try {
                name = URLDecoder.decode(raw.substring("name/".length()).replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the key name is not valid percent-encoding");
            }
            if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("a key name has 1.." + MAX_NAME_LENGTH + " characters");
            }
            return NodeId.digestOf(name);
        }
        if (!HEX_KEY.matcher(raw).matches()) {
            throw new IllegalArgumentException("a key is 40 hex digits (the 20-byte DHT key) or name/NAME, got '"
                    + (raw.length() > 60 ? raw.substring(0, 60) + "..." : raw) + "'");
        }
        return NodeId.fromHex(raw.toLowerCase(Locale.ROOT));
    }

    // ---------------------------------------------------------------------------------------------- GET

    private void get(HttpExchange ex, NodeId key) {
        List<String> unchanged = entityTags(ex.getRequestHeaders().getFirst("If-None-Match"));
        Duration wait = requestedWait(ex.getRequestHeaders().getFirst("Prefer"));
        if (wait == null) {
            read(key).whenComplete((value, error) -> answerGet(ex, key, value, error, unchanged));
            return;
        }
        InetAddress client = ex.getRemoteAddress().getAddress();
        String refusal = admitWait(client);
        if (refusal != null) {
            ex.getResponseHeaders().set("Retry-After", "1");
            Reply.error(ex, refusal.startsWith("this client") ? 429 : 503, refusal);
            return;
        }
        ex.getResponseHeaders().set("Preference-Applied", "wait=" + wait.toSeconds());
        // Settled once the value differs from what the client holds: another tag, or there at all.
        Predicate<Optional<DhtValue>> changed = unchanged.isEmpty()
                ? Optional::isPresent
                : v -> v.isEmpty() || !matches(unchanged, v.get());
        watches.await(key, changed, wait).whenComplete((value, error) -> {
            releaseWait(client);
            answerGet(ex, key, value, error, unchanged);
        });
    }

    private CompletableFuture<Optional<DhtValue>> read(NodeId key) {
        return node.getDigest(key).orTimeout(options.dhtTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void answerGet(HttpExchange ex, NodeId key, Optional<DhtValue> value, Throwable error, List<String> unchanged) {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (error != null) {
            dhtFailure(ex, "reading key " + key.shortHex(), error);
            return;
        }
        if (value.isEmpty()) {
            Reply.error(ex, 404, "no value under key " + key);
            return;
        }
        DhtValue v = value.get();
        ex.getResponseHeaders().set("ETag", entityTag(v));
        if (matches(unchanged, v)) {
            Reply.body(ex, 304, TEXT, new byte[0]);
            return;
        }
        switch (v.kind()) {
            case TEXT -> Reply.body(ex, 200, TEXT, v.asText().getBytes(StandardCharsets.UTF_8));
            case BYTES -> Reply.body(ex, 200, BINARY, v.asBytes());
            default -> Reply.body(ex, 200, MSGPACK, v.encoded());  // numbers and booleans, as the node holds them
        }
    }

    /** The long-poll the client asked for with {@code Prefer: wait=N}, capped; null when none. */
    Duration requestedWait(String prefer) {
        if (prefer == null) {
            return null;
        }
        Matcher m = WAIT.matcher(prefer);
        if (!m.find()) {
            return null;
        }
        long seconds = Math.max(1, Long.parseLong(m.group(1)));
        return Duration.ofSeconds(Math.min(seconds, options.longestWait().toSeconds()));
    }

    private synchronized String admitWait(InetAddress client) {
        int mine = waitsByClient.getOrDefault(client, 0);
        if (mine >= options.maxWaitsPerClient()) {
            return "this client already holds " + mine + " waits (at most " + options.maxWaitsPerClient() + ")";
        }
        if (waits >= options.maxWaits()) {
            return "the gateway holds " + waits + " waits, its most; try again shortly";
        }
        waitsByClient.put(client, mine + 1);
        waits++;
        return null;
    }

    private synchronized void releaseWait(InetAddress client) {
        waits--;
        waitsByClient.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
    }

    // ---------------------------------------------------------------------------------------------- PUT

    private void put(HttpExchange ex, NodeId key) throws IOException {
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        // The payload alone must fit; the node then checks the encoded size (payload plus a 1..5 byte header).
        int limit = options.maxValueBytes();
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    Reply.error(ex, 413, "a value has at most " + limit + " bytes, this one " + declared.trim());
                    return;
                }
            } catch (NumberFormatException e) {
                Reply.error(ex, 400, "Content-Length is not a number");
                return;
            }
        }
        byte[] body = readAtMost(ex.getRequestBody(), limit);
        if (body == null) {
            Reply.error(ex, 413, "a value has at most " + limit + " bytes");
            return;
        }
        DhtValue value;
        String media = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (media.equals("text/plain")) {
            if (contentType.toLowerCase(Locale.ROOT).contains("charset") && !contentType.toLowerCase(Locale.ROOT).contains("utf-8")) {
                Reply.error(ex, 415, "text values are UTF-8; send charset=utf-8");
                return;
            }
            try {
                value = DhtValue.text(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body)).toString());
            } catch (CharacterCodingException e) {
                Reply.error(ex, 400, "the text is not valid UTF-8");
                return;
            }
        } else if (media.equals("application/octet-stream")) {
            value = DhtValue.bytes(body);
        } else {
            Reply.error(ex, 415, "put text/plain; charset=utf-8 (a string value) or application/octet-stream (a binary value), not '"
                    + (contentType == null ? "nothing" : contentType) + "'");
            return;
        }
        List<String> ifMatch = entityTags(ex.getRequestHeaders().getFirst("If-Match"));
        List<String> ifNoneMatch = entityTags(ex.getRequestHeaders().getFirst("If-None-Match"));
        CompletableFuture<Boolean> preconditions = ifMatch.isEmpty() && ifNoneMatch.isEmpty()
                ? CompletableFuture.completedFuture(true)
                : read(key).thenApply(current -> holds(ifMatch, ifNoneMatch, current));
        preconditions.thenCompose(ok -> {
            if (!ok) {
                return CompletableFuture.completedFuture((dev.dhtsignal.dht.kademlia.PutOutcome) null);
            }
            return node.putDigest(key, value).orTimeout(options.dhtTimeout().multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        }).whenComplete((outcome, error) -> {
            if (error != null) {
                dhtFailure(ex, "storing key " + key.shortHex(), error);
            } else if (outcome == null) {
                Reply.error(ex, 412, "the value under key " + key.shortHex() + " is not the one the precondition names");
            } else {
                ex.getResponseHeaders().set("ETag", entityTag(value));
                ex.getResponseHeaders().set("Dht-Copies", String.valueOf(outcome.copies()));
                Reply.body(ex, 204, TEXT, new byte[0]);
            }
        });
    }

    private static boolean holds(List<String> ifMatch, List<String> ifNoneMatch, Optional<DhtValue> current) {
        if (!ifMatch.isEmpty() && (current.isEmpty() || !(ifMatch.contains("*") || matches(ifMatch, current.get())))) {
            return false;
        }
        return ifNoneMatch.isEmpty() || current.isEmpty() || !(ifNoneMatch.contains("*") || matches(ifNoneMatch, current.get()));
    }

    /** Reads the body, or returns null when it has more than {@code limit} bytes. */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] buf = in.readNBytes(limit + 1);
        return buf.length > limit ? null : buf;
    }

    // ------------------------------------------------------------------------------------------ shared

    private static void dhtFailure(HttpExchange ex, String what, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ValueTooLargeException) {
            Reply.error(ex, 413, cause.getMessage());
        } else if (cause instanceof TimeoutException) {
            Reply.error(ex, 504, "the DHT did not answer in time while " + what);
        } else if (cause instanceof DhtException) {
            Reply.error(ex, 502, "the DHT failed while " + what + ": " + cause.getMessage());
        } else {
            Reply.error(ex, 503, "the gateway could not finish " + what + ": " + cause.getMessage());
        }
    }

    /** A strong tag naming the exact encoded value (first 16 bytes of its SHA-256, hex, quoted). */
    static String entityTag(DhtValue value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.encoded());
            return '"' + HexFormat.of().formatHex(Arrays.copyOf(digest, 16)) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }

    private static boolean matches(List<String> tags, DhtValue value) {
        if (tags.isEmpty()) {
            return false;
        }
        String tag = entityTag(value);
        return tags.contains(tag) || tags.contains("W/" + tag);
    }

    /** The tags of an If-Match or If-None-Match header ({@code *} stays as it is); empty when absent. */
    static List<String> entityTags(String header) {
        if (header == null || header.isBlank()) {
            return List.of();
        }
        return Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
