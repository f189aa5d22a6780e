package dev.dhtsignal.dht.kademlia.wire;

import java.util.Objects;

/** One decoded datagram: a request, or a response whose body waits to be read for the RPC it answers. */
public sealed interface Datagram {
    MessageId messageId();

    record Request(MessageId messageId, RpcRequest request) implements Datagram {
        public Request {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(request, "request");
        }
    }

    /** A response; {@code body} is the raw MessagePack after the header. */
    record Response(MessageId messageId, byte[] body) implements Datagram {
        public Response {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(body, "body");
        }
    }
}
