package dev.dhtsignal.dht.mainline;

/**
 * What a node's BEP 44 client did, for {@code --report-timing} and the benchmark: traversals made (each several
 * round trips), gets sent straight to a target's known nodes, puts sent straight to them, and the flood limit's
 * count (the most packets sent to one node within 10 s, and queries held back at the limit).
 */
public record ItemActivity(long traversals, long directGets, long directPuts, FloodLimit.Stats flood) {
    /** "dht-traversals=3 dht-direct-gets=14 dht-direct-puts=2 dht-most-to-one-node=9 dht-held-back=0" */
    public String line() {
        return "dht-traversals=" + traversals + " dht-direct-gets=" + directGets + " dht-direct-puts=" + directPuts
                + " dht-most-to-one-node=" + flood.mostToOneNode() + " dht-held-back=" + flood.heldBack();
    }
}
