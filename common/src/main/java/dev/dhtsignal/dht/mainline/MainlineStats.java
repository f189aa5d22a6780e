package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.stun.StunStats;

/**
 * Counters of a Mainline node, for the server's statistics line and for tests.
 *
 * @param malformed        datagrams dropped because they could not be read
 * @param rateLimited      queries dropped over the rate limits
 * @param ignoredReadOnly  queries a read-only node dropped unanswered
 * @param unexpected       responses that matched no query of ours (late, spoofed, or from another address)
 * @param handlerFailures  handler calls that threw (a bug); must stay zero
 * @param stun             what the node's STUN responder answered and dropped
 */
public record MainlineStats(int contacts, int items, long received, long queriesServed, long malformed,
                            long rateLimited, long ignoredReadOnly, long unexpected, long handlerFailures,
                            StunStats stun) {
}
