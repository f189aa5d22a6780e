package dev.dhtsignal.dht.rpc;

/** An RPC that did not produce a usable reply: timed out, answered nonsense, or the node closed. */
public class RpcException extends RuntimeException {
    public RpcException(String message) {
        super(message);
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
