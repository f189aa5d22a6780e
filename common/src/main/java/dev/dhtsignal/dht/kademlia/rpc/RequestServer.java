package dev.dhtsignal.dht.kademlia.rpc;

import dev.dhtsignal.dht.Contact;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.routing.RoutingTable;
import dev.dhtsignal.dht.storage.SourcePrefix;
import dev.dhtsignal.dht.storage.ValueStore;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.kademlia.wire.WireContact;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The answering side of the five RPCs, as the original network answers them. */
public final class RequestServer {
    private final NodeId self;
    private final int k;
    private final RoutingTable routing;
    private final ValueStore storage;
    private final Clock clock;
    private final TrafficCounters counters;

    public RequestServer(NodeId self, int k, RoutingTable routing, ValueStore storage, Clock clock,
                         TrafficCounters counters) {
        this.self = self;
        this.k = k;
        this.routing = routing;
        this.storage = storage;
        this.clock = clock;
        this.counters = counters;
    }

    /**
     * The reply to a request from {@code source}; always one (unknown RPCs never reach this far). It is
     * ready at once, except a store's, which is ready once storage has the value (written to disk, for a
     * store that keeps values there) and then completes on a storage thread.
     */
    public CompletableFuture<RpcResponse> respond(RpcRequest request, InetSocketAddress source) {
        if (request instanceof RpcRequest.Store store) {
            counters.served(request.kind());
            return accept(store, source).thenApply(RpcResponse.StoreReply::new);
        }
        return CompletableFuture.completedFuture(answer(request, source));
    }

    /**
     * The reply to a request from {@code source} that fits in {@code maxDatagramBytes}, or null when none
     * does. A contact list is cut to the contacts that fit, closest first (still a valid reply, just a
     * shorter one); a found value that does not fit is answered as a miss, with contacts. Used for
     * sources not verified yet, whose replies must not be larger than what they sent (see
     * {@link UnverifiedBudget}).
     */
    public RpcResponse answerWithin(RpcRequest request, InetSocketAddress source, MessageId id, int maxDatagramBytes) {
        RpcResponse reply = answer(request, source);
        if (WireCodec.encodeResponse(id, reply).length <= maxDatagramBytes) {
            return reply;
        }
        if (reply instanceof RpcResponse.Value && request instanceof RpcRequest.FindValue find) {
            reply = neighbours(find.key(), source);
        }
        if (reply instanceof RpcResponse.Nodes nodes) {
            List<WireContact> kept = new ArrayList<>(nodes.contacts());
            while (!kept.isEmpty()
                    && WireCodec.encodeResponse(id, new RpcResponse.Nodes(kept)).length > maxDatagramBytes) {
                kept.remove(kept.size() - 1);
            }
            reply = new RpcResponse.Nodes(kept);
        }
        return WireCodec.encodeResponse(id, reply).length <= maxDatagramBytes ? reply : null;
    }

    /** {@link #respond}, waiting for a store's reply. */
    public RpcResponse answer(RpcRequest request, InetSocketAddress source) {
        if (request instanceof RpcRequest.Store) {
            return respond(request, source).join();
        }
        counters.served(request.kind());
        if (request instanceof RpcRequest.Ping) {
            return new RpcResponse.PingReply(self);
        } else if (request instanceof RpcRequest.RefusedStore) {
            counters.dropped(DropReason.REFUSED_VALUE);
            return new RpcResponse.StoreReply(false);
        } else if (request instanceof RpcRequest.FindNode find) {
            return neighbours(find.target(), source);
        } else if (request instanceof RpcRequest.FindValue find) {
            Optional<dev.dhtsignal.dht.DhtValue> value = storage.get(find.key(), clock.instant());
            return value.<RpcResponse>map(RpcResponse.Value::new).orElseGet(() -> neighbours(find.key(), source));
        }
        return new RpcResponse.StunReply(Endpoints.hostText(source), source.getPort());
    }

    /**
     * Stores the value, counted against the sender's network ({@link SourcePrefix}), unless storage
     * refuses it. A refusal is answered with {@code false} rather than silence: silence would make the
     * sender think us dead and drop us.
     */
    private CompletableFuture<Boolean> accept(RpcRequest.Store store, InetSocketAddress source) {
        return storage.store(store.key(), store.value(), SourcePrefix.of(source.getAddress()), clock.instant())
                .thenApply(result -> {
                    DropReason refusal = switch (result) {
                        case STORED -> null;
                        case TOO_LARGE -> DropReason.OVERSIZED;
                        case FULL, BUSY -> DropReason.STORAGE_FULL;
                        case OVER_QUOTA -> DropReason.OVER_QUOTA;
                        case EXPIRED -> DropReason.EXPIRED_VALUE;
                    };
                    if (refusal != null) {
                        counters.dropped(refusal);
                    }
                    return refusal == null;
                });
    }

    /** Our k closest contacts to {@code target}, never the asker itself (as the original). */
    private RpcResponse.Nodes neighbours(NodeId target, InetSocketAddress asker) {
        List<Contact> closest = routing.closest(target, k, asker);
        List<WireContact> out = new ArrayList<>(closest.size());
        for (Contact c : closest) {
            out.add(new WireContact(c.id(), Endpoints.hostText(c.address()), c.address().getPort()));
        }
        return new RpcResponse.Nodes(out);
    }
}
