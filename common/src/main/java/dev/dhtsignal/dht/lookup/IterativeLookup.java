package dev.dhtsignal.dht.lookup;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Kademlia's iterative lookup: ask the closest known contacts for contacts closer to the target, up to
 * {@code alpha} at a time, and keep going while replies bring closer ones. It ends when the k closest
 * contacts that have not failed have all answered, for find_node and find_value alike: a find_value
 * lookup that stopped at the first value would let a few nodes placed near the key hide the genuine
 * value behind junk, and a put must reach every one of the k closest nodes, not the first few found.
 *
 * <p>Two rules keep slow or dead contacts from slowing it down: a request unanswered after the
 * "stall" time no longer counts against {@code alpha}, so the lookup asks the next contact meanwhile;
 * and contacts outside the k closest are never waited for.
 *
 * <p>Everything is driven by replies and timer events; no thread waits. State is guarded by this object.
 */
public final class IterativeLookup {
    /** Asks one contact; the future fails when the contact does not answer. A {@link LookupReply.Found}
     *  reply adds its value to those the lookup returns. */
    public interface Querier extends Function<Contact, CompletableFuture<LookupReply>> {
    }

    private enum State { NEW, IN_FLIGHT, ANSWERED, FAILED }

    private static final class Candidate {
        final Contact contact;
        final int depth;
        State state = State.NEW;
        boolean stalled;

        Candidate(Contact contact, int depth) {
            this.contact = contact;
            this.depth = depth;
        }
    }

    private final NodeId target;
    private final int k;
    private final int alpha;
    private final Querier querier;
    private final ScheduledExecutorService timer;
    private final LongSupplier stallNanos;
    private final TreeMap<NodeId, Candidate> candidates;
    private final Map<DhtValue, Integer> valueVotes = new LinkedHashMap<>();
    /** Contacts that returned the value, so that none of them is taken as the place to cache it. */
    private final Set<NodeId> foundAt = new HashSet<>();
    private final CompletableFuture<LookupResult> result = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private int rpcs;
    private int maxAnsweredDepth = -1;
    private ScheduledFuture<?> deadline;

    private IterativeLookup(NodeId target, int k, int alpha, Querier querier,
                            ScheduledExecutorService timer, LongSupplier stallNanos) {
        this.target = target;
        this.k = k;
        this.alpha = alpha;
        this.querier = querier;
        this.timer = timer;
        this.stallNanos = stallNanos;
        this.candidates = new TreeMap<>(target.byDistance());
    }

    /**
     * Starts a lookup.
     *
     * @param querier asks one contact: with find_node, or with find_value when the caller wants a value
     * @param stallNanos how long a request may go unanswered before the lookup asks someone else too
     * @param limit the whole lookup's time limit; on reaching it the lookup ends with what it has
     */
    public static CompletableFuture<LookupResult> start(NodeId target, List<Contact> seeds, int k, int alpha,
                                                        Querier querier,
                                                        ScheduledExecutorService timer, LongSupplier stallNanos,
                                                        Duration limit) {
        IterativeLookup lookup = new IterativeLookup(target, k, alpha, querier, timer, stallNanos);
        synchronized (lookup) {
            for (Contact c : seeds) {
                lookup.candidates.putIfAbsent(c.id(), new Candidate(c, 0));
            }
            try {
                lookup.deadline = timer.schedule(lookup::finishAtDeadline, limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(new IllegalStateException("the node is closing", e));
            }
        }
        lookup.advance();
        return lookup.result;
    }

    private void advance() {
        List<Candidate> toAsk = new ArrayList<>();
        synchronized (this) {
            if (result.isDone()) {
                return;
            }
            int active = 0;
            for (Candidate c : candidates.values()) {
                if (c.state == State.IN_FLIGHT && !c.stalled) {
                    active++;
                }
            }
            int window = 0;
            boolean waiting = false;
            for (Candidate c : candidates.values()) {
                if (c.state == State.FAILED) {
                    continue;
                }
                if (++window > k) {
                    break;
                }
                if (c.state == State.NEW && active < alpha) {
                    c.state = State.IN_FLIGHT;
                    active++;
                    rpcs++;
                    toAsk.add(c);
                }
                if (c.state == State.NEW || c.state == State.IN_FLIGHT) {
                    waiting = true;
                }
            }
            if (!waiting) {
                finish();
                return;
            }
        }
        // Sent outside the lock: a reply may complete on another thread at once and re-enter advance().
        for (Candidate c : toAsk) {
            ask(c);
        }
    }

    private void ask(Candidate c) {
        ScheduledFuture<?> stallTimer;
        CompletableFuture<LookupReply> reply;
        try {
            stallTimer = timer.schedule(() -> markStalled(c), stallNanos.getAsLong(), TimeUnit.NANOSECONDS);
            reply = querier.apply(c.contact);
        } catch (RuntimeException e) {  // e.g. the node's timer refused work because it is closing
            onReply(c, null, e);
            return;
        }
        reply.whenComplete((r, error) -> {
            stallTimer.cancel(false);
            onReply(c, r, error);
        });
    }

    private void markStalled(Candidate c) {
        synchronized (this) {
            if (c.state != State.IN_FLIGHT || c.stalled) {
                return;
            }
            c.stalled = true;
        }
        advance();
    }

    private void onReply(Candidate c, LookupReply reply, Throwable error) {
        synchronized (this) {
            if (error != null || reply == null) {
                c.state = State.FAILED;
            } else {
                c.state = State.ANSWERED;
                maxAnsweredDepth = Math.max(maxAnsweredDepth, c.depth);
                if (reply instanceof LookupReply.Found found) {
                    valueVotes.merge(found.value(), 1, Integer::sum);
                    foundAt.add(c.contact.id());
                } else if (reply instanceof LookupReply.Closer closer) {
                    learn(closer.contacts(), c.depth + 1);
                }
            }
        }
        advance();
    }

    private void learn(List<Contact> contacts, int depth) {
        // A reply may list anything; take no more than k of what it offers, closest first.
        List<Contact> offered = new ArrayList<>(contacts);
        offered.sort((a, b) -> target.compareDistances(a.id(), b.id()));
        for (int i = 0; i < offered.size() && i < k; i++) {
            Contact contact = offered.get(i);
            candidates.putIfAbsent(contact.id(), new Candidate(contact, depth));
        }
    }

    private void finishAtDeadline() {
        synchronized (this) {
            finish();
        }
    }

    /** Called with the lock held. */
    private void finish() {
        if (result.isDone()) {
            return;
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        List<Contact> answered = new ArrayList<>();
        Contact withoutValue = null;
        for (Candidate c : candidates.values()) {
            if (c.state != State.ANSWERED) {
                continue;
            }
            if (answered.size() < k) {
                answered.add(c.contact);
            }
            if (withoutValue == null && !foundAt.contains(c.contact.id())) {
                withoutValue = c.contact;
            }
        }
        List<DhtValue> values = byVotes();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        result.complete(new LookupResult(answered, values,
                values.isEmpty() ? Optional.empty() : Optional.ofNullable(withoutValue),
                rpcs, maxAnsweredDepth + 1, elapsed));
    }

    /** Distinct values, most common first; ties keep the order in which they arrived. */
    private List<DhtValue> byVotes() {
        List<Map.Entry<DhtValue, Integer>> entries = new ArrayList<>(valueVotes.entrySet());
        entries.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));  // stable: arrival order on ties
        List<DhtValue> values = new ArrayList<>(entries.size());
        for (Map.Entry<DhtValue, Integer> e : entries) {
            values.add(e.getKey());
        }
        return values;
    }
}
