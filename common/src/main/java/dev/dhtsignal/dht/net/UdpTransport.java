package dev.dhtsignal.dht.net;

import dev.dhtsignal.dht.FatalErrors;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound UDP socket with receiver threads that hand every datagram to a {@link DatagramHandler}.
 * Sending is thread-safe and never blocks for long (UDP send only copies into the kernel). A handler that
 * throws a RuntimeException is logged and counted; it never stops the receivers. An {@link Error}
 * (OutOfMemoryError included) goes to {@link FatalErrors}, which by default ends the process: a receiver
 * that died would leave a node running that hears nothing.
 */
public final class UdpTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpTransport.class);
    /** The largest UDP payload over IPv4; anything the kernel hands us fits. */
    private static final int MAX_DATAGRAM = 65_507;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final String threadName;
    private final int receiverThreads;
    private volatile DatagramHandler handler;
    private final List<Thread> receivers = new ArrayList<>();
    private final AtomicLong handlerFailures = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile boolean closed;

    private UdpTransport(DatagramChannel channel, String threadName, int receiverThreads) throws IOException {
        this.channel = channel;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.threadName = threadName;
        this.receiverThreads = receiverThreads;
    }

    /**
     * Binds the socket. Nothing is read until {@link #start}; datagrams wait in the kernel meanwhile.
     *
     * @param threadName prefix of the receiver threads' names ({@code threadName-N})
     * @throws BindException when the port is taken, with the address in the message
     */
    public static UdpTransport bind(InetSocketAddress address, String threadName, int receiverThreads)
            throws IOException {
        StandardProtocolFamily family = address.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        DatagramChannel channel = DatagramChannel.open(family);
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.bind(address);
        } catch (BindException e) {
            channel.close();
            BindException named = new BindException("cannot bind UDP " + address.getAddress().getHostAddress()
                    + ":" + address.getPort() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new UdpTransport(channel, threadName, receiverThreads);
    }

    /** Starts the receiver threads, which hand every datagram to {@code datagramHandler}. Once only. */
    public synchronized void start(DatagramHandler datagramHandler) {
        if (handler != null) {
            throw new IllegalStateException("transport on " + localAddress + " already started");
        }
        handler = datagramHandler;
        for (int i = 0; i < receiverThreads; i++) {
            Thread t = new Thread(this::receiveLoop, threadName + "-" + i);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(FatalErrors::uncaught);
            receivers.add(t);
        }
        receivers.forEach(Thread::start);
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
        while (!closed) {
            InetSocketAddress source;
            try {
                buffer.clear();
                source = (InetSocketAddress) channel.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // e.g. ICMP port unreachable surfaced by the kernel: not fatal for a datagram socket.
                log.debug("receive on {} failed: {}", localAddress, e.toString());
                continue;
            }
            if (source == null) {
                continue;
            }
            try {
                handler.onDatagram(buffer.array(), buffer.position(), source);
            } catch (RuntimeException e) {
                handlerFailures.incrementAndGet();
                log.error("handling a datagram from {} failed; the node keeps running", source, e);
            } catch (Error e) {
                handlerFailures.incrementAndGet();
                FatalErrors.report(Thread.currentThread(), e);  // by default, does not return
            }
        }
    }

    /** Sends one datagram; a failure (e.g. unreachable network) is logged and counted, not thrown. */
    public void send(byte[] datagram, InetSocketAddress destination) {
        if (closed) {
            return;
        }
        try {
            channel.send(ByteBuffer.wrap(datagram), destination);
        } catch (IOException e) {
            sendFailures.incrementAndGet();
            if (!closed) {
                log.debug("send to {} failed: {}", destination, e.toString());
            }
        }
    }

    /** Handler calls that threw: should stay zero; tests assert it. */
    public long handlerFailures() {
        return handlerFailures.get();
    }

    public long sendFailures() {
        return sendFailures.get();
    }

    /** Closes the socket and waits for the receivers to finish. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", localAddress, e.toString());
        }
        for (Thread t : receivers) {
            if (t != Thread.currentThread()) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
