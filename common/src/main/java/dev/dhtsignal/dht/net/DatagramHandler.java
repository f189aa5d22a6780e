package dev.dhtsignal.dht.net;

import java.net.InetSocketAddress;

/** Receives each datagram the transport reads. Called on a receiver thread; must not block. */
@FunctionalInterface
public interface DatagramHandler {
    /**
     * @param data the datagram; valid only during the call (the buffer is reused)
     * @param length number of bytes of {@code data} that belong to the datagram
     */
    void onDatagram(byte[] data, int length, InetSocketAddress source);
}
