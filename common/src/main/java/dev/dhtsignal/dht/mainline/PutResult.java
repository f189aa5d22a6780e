package dev.dhtsignal.dht.mainline;

import java.util.List;

/**
 * What a BEP 44 {@code put} achieved.
 *
 * @param stored   nodes that confirmed the write
 * @param tried    nodes it was sent to (the closest that gave a write token)
 * @param refusals the errors nodes answered with, e.g. {@code 302: sequence number less than current}
 */
public record PutResult(int stored, int tried, List<String> refusals) {
    public PutResult {
        refusals = List.copyOf(refusals);
    }
}
