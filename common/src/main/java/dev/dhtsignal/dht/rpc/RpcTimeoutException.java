package dev.dhtsignal.dht.rpc;

/** No reply came in time. The message names the RPC, the peer and how long we waited. */
public final class RpcTimeoutException extends RpcException {
    public RpcTimeoutException(String message) {
        super(message);
    }
}
