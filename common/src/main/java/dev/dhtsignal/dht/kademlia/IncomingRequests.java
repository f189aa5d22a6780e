package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.FatalErrors;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.kademlia.rpc.RequestServer;
import dev.dhtsignal.dht.kademlia.rpc.RpcClient;
import dev.dhtsignal.dht.kademlia.rpc.TrafficCounters;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.dht.net.UdpTransport;
import dev.dhtsignal.dht.rpc.RateLimiter;
import dev.dhtsignal.dht.rpc.UnverifiedBudget;
import dev.dhtsignal.dht.ice.IceServerIssuer;
import dev.dhtsignal.dht.ice.IceServerOffer;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does with each datagram it receives: replies go to the RPC client; requests are rate
 * limited, answered (within the unverified-sender budget), and their senders considered as contacts.
 * Runs on the receiver threads.
 */
final class IncomingRequests {
    private static final Logger log = LoggerFactory.getLogger(IncomingRequests.class);

    private final boolean clientOnly;
    private final UdpTransport transport;
    private final TrafficCounters counters;
    private final RpcClient rpc;
    private final RequestServer server;
    private final ContactManager contacts;
    private final RateLimiter rateLimiter;
    private final UnverifiedBudget unverified;
    private final IceServerIssuer iceServers;

    IncomingRequests(boolean clientOnly, UdpTransport transport, TrafficCounters counters, RpcClient rpc,
                     RequestServer server, ContactManager contacts, RateLimiter rateLimiter, UnverifiedBudget unverified,
                     IceServerIssuer iceServers) {
        this.clientOnly = clientOnly;
        this.transport = transport;
        this.counters = counters;
        this.rpc = rpc;
        this.server = server;
        this.contacts = contacts;
        this.rateLimiter = rateLimiter;
        this.unverified = unverified;
        this.iceServers = iceServers;
    }

    void onDatagram(byte[] data, int length, InetSocketAddress source) {
        counters.received();
        Datagram datagram;
        try {
            datagram = WireCodec.decode(data, 0, length);
        } catch (MalformedDatagramException e) {
            counters.dropped(e.reason());
            log.trace("dropped datagram from {}: {}", source, e.getMessage());
            return;
        }
        if (datagram instanceof Datagram.Response response) {
            rpc.onResponse(response, source);
            return;
        }
        Datagram.Request request = (Datagram.Request) datagram;
        if (clientOnly) {
            counters.dropped(DropReason.CLIENT_MODE);
            return;
        }
        if (!rateLimiter.admit(source.getAddress())) {
            counters.dropped(DropReason.RATE_LIMITED);
            return;
        }
        if (request.request() instanceof RpcRequest.IceServers) {
            answerIceServers(request, length, source);
            return;
        }
        answer(request, length, source);
        // Pings are answered and nothing more: the verification of a newcomer is itself a ping, so a ping
        // that led to verifying its sender could make two nodes ping each other back and forth for ever.
        // A newcomer is verified on its first other request (a joining node's lookup follows at once).
        NodeId sender = request.request().senderOrNull();
        if (sender != null && request.request().kind() != RpcKind.PING) {
            contacts.heardFrom(sender, source);
        }
    }

    /**
     * Answers a request. A source that is not a contact may have been spoofed, so what it is sent is kept
     * within the {@link UnverifiedBudget}: no more bytes than unverified sources sent (plus a small
     * allowance), so this node cannot be used to multiply an attacker's traffic towards a victim.
     */
    private void answer(Datagram.Request request, int length, InetSocketAddress source) {
        if (request.request() instanceof RpcRequest.Store) {
            answerStore(request, length, source);
            return;
        }
        if (!unverified.isLimited() || contacts.isVerified(source)) {
            RpcResponse reply = server.answer(request.request(), source);
            transport.send(WireCodec.encodeResponse(request.messageId(), reply), source);
            return;
        }
        int available = unverified.earn(length);
        RpcResponse reply = server.answerWithin(request.request(), source, request.messageId(), available);
        byte[] out = reply == null ? null : WireCodec.encodeResponse(request.messageId(), reply);
        if (out != null && unverified.trySpend(out.length)) {
            transport.send(out, source);
        } else {
            counters.dropped(DropReason.UNVERIFIED_BUDGET);
        }
    }

    /**
     * Tells a peer which STUN and TURN servers this node offers, within the few a minute one address may
     * ask. The reply is never larger than the request (the client pads it): one that would be is not sent.
     */
    private void answerIceServers(Datagram.Request request, int length, InetSocketAddress source) {
        Optional<IceServerOffer> offer = iceServers.offerTo(source.getAddress());
        if (offer.isEmpty()) {
            counters.dropped(DropReason.RATE_LIMITED);
            return;
        }
        byte[] out = WireCodec.encodeResponse(request.messageId(), new RpcResponse.IceServers(offer.get()));
        if (out.length > length) {
            counters.dropped(DropReason.REPLY_TOO_LARGE);
            log.debug("ice_servers request of {} bytes from {} is smaller than its {}-byte reply; not answered",
                    length, source, out.length);
            return;
        }
        if (unverified.isLimited() && !contacts.isVerified(source)) {
            unverified.earn(length);
            if (!unverified.trySpend(out.length)) {
                counters.dropped(DropReason.UNVERIFIED_BUDGET);
                return;
            }
        }
        counters.served(RpcKind.ICE_SERVERS);
        transport.send(out, source);
    }

    /**
     * A store's reply waits for storage (a disk write, on the store's own thread); the receiver does not.
     * The reply, a boolean, is always smaller than the store that asked for it: an unverified store earns
     * the budget its bytes and costs it the reply's.
     */
    private void answerStore(Datagram.Request request, int length, InetSocketAddress source) {
        boolean verified = !unverified.isLimited() || contacts.isVerified(source);
        if (!verified) {
            unverified.earn(length);
        }
        server.respond(request.request(), source).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof Error fatal) {
                    FatalErrors.report(Thread.currentThread(), fatal);  // a future caught it; the thread did not see it
                }
                log.error("answering a store from {} failed", source, error);
            } else {
                byte[] out = WireCodec.encodeResponse(request.messageId(), reply);
                if (!verified) {
                    unverified.trySpend(out.length);
                }
                transport.send(out, source);
            }
        });
    }
}
