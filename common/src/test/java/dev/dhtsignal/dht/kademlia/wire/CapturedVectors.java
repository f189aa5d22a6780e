package dev.dhtsignal.dht.kademlia.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The datagrams captured from the original Python network (test resource wire/kademlia-vectors.json). */
public final class CapturedVectors {
    /** One captured datagram with its decoded form as the capture tool printed it. */
    public record Captured(int index, String from, String kind, byte[] bytes, JsonNode payload) {
        public boolean isRequest() {
            return kind.equals("request");
        }
    }

    private final JsonNode root;
    private final List<Captured> datagrams = new ArrayList<>();

    private CapturedVectors(JsonNode root) {
        this.root = root;
        int i = 0;
        for (JsonNode d : root.get("datagrams")) {
            datagrams.add(new Captured(i++, d.get("from").asText(), d.get("kind").asText(),
                    HexFormat.of().parseHex(d.get("hex").asText()), d.get("payload")));
        }
    }

    public static CapturedVectors load() {
        try (InputStream in = CapturedVectors.class.getResourceAsStream("/wire/kademlia-vectors.json")) {
            if (in == null) {
                throw new IllegalStateException("test resource /wire/kademlia-vectors.json is missing");
            }
            return new CapturedVectors(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Captured> datagrams() {
        return datagrams;
    }

    public List<Captured> requests() {
        return datagrams.stream().filter(Captured::isRequest).toList();
    }

    /** Key name to its digest hex, as the capture recorded. */
    public Map<String, String> digestExamples() {
        Map<String, String> m = new HashMap<>();
        root.get("digest_examples").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** The request a response answers: the earlier request with the same message id. */
    public Captured requestFor(Captured response) {
        byte[] id = java.util.Arrays.copyOfRange(response.bytes(), 1, 21);
        for (int i = response.index() - 1; i >= 0; i--) {
            Captured c = datagrams.get(i);
            if (c.isRequest() && java.util.Arrays.equals(id, java.util.Arrays.copyOfRange(c.bytes(), 1, 21))) {
                return c;
            }
        }
        throw new IllegalStateException("no request for response #" + response.index());
    }
}
