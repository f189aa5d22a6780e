package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.stun.StunStats;

/**
 * Counters of a Mainline node, for the server's statistics line and for tests.
 *
 * @param items             BEP 44 items held for others
 * @param peers             announced peers held for others (BEP 5)
 * @param malformed         datagrams dropped, or queries refused, because they could not be read
 * @param rateLimited       queries dropped over the rate limits
 * @param overQuota         puts and announces refused: their address or network holds its share already
 * @param evicted           items and announces given up to make room (the heaviest network's oldest first)
 * @param cutToBudget       replies to senders not verified that were cut down to the unverified byte budget
 * @param droppedForBudget  replies to senders not verified that were not sent: even cut down they did not fit
 * @param ignoredReadOnly   queries a read-only node dropped unanswered
 * @param unexpected        responses that matched no query of ours (late, spoofed, or from another address)
 * @param handlerFailures   handler calls that threw (a bug); must stay zero
 * @param stun              what the node's STUN responder answered and dropped
 */
public record MainlineStats(int contacts, int items, int peers, long received, long queriesServed, long malformed,
                            long rateLimited, long overQuota, long evicted, long cutToBudget, long droppedForBudget,
                            long ignoredReadOnly, long unexpected, long handlerFailures, StunStats stun) {
}
