package dev.dhtsignal.server.http;

import dev.dhtsignal.dht.DhtException;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.ValueTooLargeException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
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
    private final ClientQuota waits;

    ValueResource(KademliaNode node, GatewayOptions options, ValueWatches watches, ClientQuota waits) {
        this.node = node;
        this.options = options;
        this.watches = watches;
        this.waits = waits;
    }

    void handle(Exchange ex, String path) {
        NodeId key;
        try {
            key = parseKey(path.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            ex.error(400, e.getMessage());
            return;
        }
        switch (ex.method()) {
            case "GET", "HEAD" -> get(ex, key);
            case "PUT" -> put(ex, key);
            default -> {
                ex.responseHeaders().set("Allow", "GET, HEAD, PUT, OPTIONS");
                ex.error(405, ex.method() + " is not supported on a value; use GET or PUT");
            }
        }
    }

    static NodeId parseKey(String raw) {
        if (raw.startsWith("name/")) {
            String name = decodeName(raw.substring("name/".length()));
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

    /**
     * A percent-encoded name, strictly: escapes give bytes (ISO-8859-1 maps each to one char and back), and
     * the bytes must be UTF-8 as written, with no malformed, overlong or surrogate sequences. A lenient
     * decoder turns every such sequence into U+FFFD, so {@code %FF}, {@code %FE} and {@code %ED%A0%80} would
     * all name one key. A {@code +} is a plus, as the peers' names have none to escape.
     */
    static String decodeName(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("a key name is sent percent-encoded; it has a raw character "
                        + String.format("U+%04X", (int) c) + " at " + i);
            }
        }
        String latin1;
        try {
            latin1 = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key name is not valid percent-encoding (a % is followed by two hex digits)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the key name's percent-encoded bytes are not UTF-8");
        }
    }

    // ---------------------------------------------------------------------------------------------- GET

    private void get(Exchange ex, NodeId key) {
        List<String> unchanged = entityTags(ex.requestHeaders().get("If-None-Match"));
        Duration wait = requestedWait(ex.requestHeaders().get("Prefer"));
        if (wait == null) {
            read(key).whenComplete((value, error) -> answerGet(ex, key, value, error, unchanged));
            return;
        }
        ClientAddress client = ex.client();
        ClientQuota.Refusal refusal = waits.take(client, false);
        if (refusal != null) {
            ex.responseHeaders().set("Retry-After", "1");
            ex.error(refusal.over() == ClientQuota.Over.TOTAL ? 503 : 429, refusal.reason());
            return;
        }
        ex.responseHeaders().set("Preference-Applied", "wait=" + wait.toSeconds());
        // Settled once the value differs from what the client holds: another tag, or there at all.
        Predicate<Optional<DhtValue>> changed = unchanged.isEmpty()
                ? Optional::isPresent
                : v -> v.isEmpty() || !matches(unchanged, v.get());
        CompletableFuture<Optional<DhtValue>> watch = watches.await(key, changed, wait);
        watch.whenComplete((value, error) -> {
            waits.release(client);
            answerGet(ex, key, value, error, unchanged);
        });
        // A client that closes its connection (a page that reloads) gives its place back at once.
        ex.onClientGone(() -> watch.cancel(false));
    }

    private CompletableFuture<Optional<DhtValue>> read(NodeId key) {
        return node.getDigest(key).orTimeout(options.dhtTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void answerGet(Exchange ex, NodeId key, Optional<DhtValue> value, Throwable error, List<String> unchanged) {
        ex.responseHeaders().set("Cache-Control", "no-store");
        if (error != null) {
            dhtFailure(ex, "reading key " + key.shortHex(), error);
            return;
        }
        if (value.isEmpty()) {
            ex.error(404, "no value under key " + key);
            return;
        }
        DhtValue v = value.get();
        ex.responseHeaders().set("ETag", entityTag(v));
        if (matches(unchanged, v)) {
            ex.body(304, TEXT, new byte[0]);
            return;
        }
        switch (v.kind()) {
            case TEXT -> ex.body(200, TEXT, v.asText().getBytes(StandardCharsets.UTF_8));
            case BYTES -> ex.body(200, BINARY, v.asBytes());
            default -> ex.body(200, MSGPACK, v.encoded());  // numbers and booleans, as the node holds them
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

    // ---------------------------------------------------------------------------------------------- PUT

    private void put(Exchange ex, NodeId key) {
        String contentType = ex.requestHeaders().get("Content-Type");
        // The body was read whole, at most the node's limit (a larger one was refused with 413 unread); the node
        // then checks the encoded size (payload plus a 1..5 byte header).
        byte[] body = ex.body();
        DhtValue value;
        String media = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (media.equals("text/plain")) {
            if (contentType.toLowerCase(Locale.ROOT).contains("charset") && !contentType.toLowerCase(Locale.ROOT).contains("utf-8")) {
                ex.error(415, "text values are UTF-8; send charset=utf-8");
                return;
            }
            try {
                value = DhtValue.text(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body)).toString());
            } catch (CharacterCodingException e) {
                ex.error(400, "the text is not valid UTF-8");
                return;
            }
        } else if (media.equals("application/octet-stream")) {
            value = DhtValue.bytes(body);
        } else {
            ex.error(415, "put text/plain; charset=utf-8 (a string value) or application/octet-stream (a binary value), not '"
                    + (contentType == null ? "nothing" : contentType) + "'");
            return;
        }
        List<String> ifMatch = entityTags(ex.requestHeaders().get("If-Match"));
        List<String> ifNoneMatch = entityTags(ex.requestHeaders().get("If-None-Match"));
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
                ex.error(412, "the value under key " + key.shortHex() + " is not the one the precondition names");
            } else {
                ex.responseHeaders().set("ETag", entityTag(value));
                ex.responseHeaders().set("Dht-Copies", String.valueOf(outcome.copies()));
                ex.body(204, TEXT, new byte[0]);
            }
        });
    }

    private static boolean holds(List<String> ifMatch, List<String> ifNoneMatch, Optional<DhtValue> current) {
        if (!ifMatch.isEmpty() && (current.isEmpty() || !(ifMatch.contains("*") || matches(ifMatch, current.get())))) {
            return false;
        }
        return ifNoneMatch.isEmpty() || current.isEmpty() || !(ifNoneMatch.contains("*") || matches(ifNoneMatch, current.get()));
    }

    // ------------------------------------------------------------------------------------------ shared

    private static void dhtFailure(Exchange ex, String what, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ValueTooLargeException) {
            ex.error(413, cause.getMessage());
        } else if (cause instanceof TimeoutException) {
            ex.error(504, "the DHT did not answer in time while " + what);
        } else if (cause instanceof DhtException) {
            ex.error(502, "the DHT failed while " + what + ": " + cause.getMessage());
        } else {
            ex.error(503, "the gateway could not finish " + what + ": " + cause.getMessage());
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
