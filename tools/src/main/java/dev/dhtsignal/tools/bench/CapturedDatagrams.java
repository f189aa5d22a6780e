package dev.dhtsignal.tools.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The datagrams captured from the Python network, from the resource {@code /fuzz/kademlia-vectors.txt}
 * (a copy of the test vectors in plain text, so the tools need neither test resources nor a JSON parser).
 */
record CapturedDatagrams(List<byte[]> requests, List<byte[]> responses) {
    static final String RESOURCE = "/fuzz/kademlia-vectors.txt";

    static CapturedDatagrams load() {
        List<byte[]> requests = new ArrayList<>();
        List<byte[]> responses = new ArrayList<>();
        try (InputStream in = CapturedDatagrams.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the tools jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\s+");
                if (f.length != 3) {
                    throw new IllegalStateException(RESOURCE + ": expected KIND NAME HEX, got '" + line + "'");
                }
                byte[] bytes = HexFormat.of().parseHex(f[2]);
                (f[0].equals("request") ? requests : responses).add(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (requests.isEmpty() || responses.isEmpty()) {
            throw new IllegalStateException(RESOURCE + " holds no requests or no responses");
        }
        return new CapturedDatagrams(List.copyOf(requests), List.copyOf(responses));
    }
}
