package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A decoded bencode dictionary with typed reads that fail with a {@link KrpcFormatException} naming the
 * field, so that handlers never meet a {@code ClassCastException} or a null.
 */
public final class Dict {
    private final Map<String, Object> map;

    public Dict(Map<String, Object> map) {
        this.map = Collections.unmodifiableMap(new TreeMap<>(map));
    }

    public static Dict empty() {
        return new Dict(Map.of());
    }

    public Map<String, Object> asMap() {
        return map;
    }

    public boolean has(String key) {
        return map.containsKey(key);
    }

    public byte[] bytes(String key) throws KrpcFormatException {
        Object v = map.get(key);
        if (v instanceof byte[] b) {
            return b;
        }
        throw new KrpcFormatException(v == null ? "no \"" + key + "\"" : "\"" + key + "\" is not a byte string");
    }

    public Optional<byte[]> optBytes(String key) throws KrpcFormatException {
        return map.containsKey(key) ? Optional.of(bytes(key)) : Optional.empty();
    }

    /** A byte string of exactly {@code length} bytes. */
    public byte[] bytes(String key, int length) throws KrpcFormatException {
        byte[] b = bytes(key);
        if (b.length != length) {
            throw new KrpcFormatException("\"" + key + "\" has " + b.length + " bytes, not " + length);
        }
        return b;
    }

    public NodeId id(String key) throws KrpcFormatException {
        return NodeId.of(bytes(key, NodeId.LENGTH));
    }

    public String string(String key) throws KrpcFormatException {
        return new String(bytes(key), StandardCharsets.UTF_8);
    }

    public long integer(String key) throws KrpcFormatException {
        Object v = map.get(key);
        if (v instanceof Long l) {
            return l;
        }
        throw new KrpcFormatException(v == null ? "no \"" + key + "\"" : "\"" + key + "\" is not an integer");
    }

    public Optional<Long> optInteger(String key) throws KrpcFormatException {
        return map.containsKey(key) ? Optional.of(integer(key)) : Optional.empty();
    }

    public Dict dict(String key) throws KrpcFormatException {
        Object v = map.get(key);
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) m;
            return new Dict(typed);
        }
        throw new KrpcFormatException(v == null ? "no \"" + key + "\"" : "\"" + key + "\" is not a dictionary");
    }

    /** The raw decoded value (any bencode kind), or null. */
    public Object raw(String key) {
        return map.get(key);
    }

    @Override
    public String toString() {
        return map.keySet().toString();
    }
}
