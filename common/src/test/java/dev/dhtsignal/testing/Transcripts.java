package dev.dhtsignal.testing;

import java.util.List;

/** The lines the original offerer and answerer print, which ours must print too, in this order. */
public final class Transcripts {
    public static final List<String> OFFERER = List.of(
            "Offer SDP stored in DHT.",
            "Waiting for Answer SDP in DHT...",
            "Remote description set. WebRTC connection established.",
            "Data channel 'chat' is open",
            "Received message from Peer B: Hello from Peer B!");

    /** The answerer's lines after its first, "Waiting for Offer SDP in DHT...". */
    public static final List<String> ANSWERER_AFTER_WAITING = List.of(
            "Remote description set. Creating Answer SDP...",
            "Answer SDP stored in DHT.",
            "WebRTC connection established.",
            "Received message on 'chat': Hello from Peer A!",
            "Data channel 'chat' is open");

    public static final List<String> ANSWERER = concat("Waiting for Offer SDP in DHT...", ANSWERER_AFTER_WAITING);

    private Transcripts() {
    }

    private static List<String> concat(String first, List<String> rest) {
        java.util.ArrayList<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return List.copyOf(all);
    }
}
