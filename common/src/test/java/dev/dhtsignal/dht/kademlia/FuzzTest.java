package dev.dhtsignal.dht.kademlia;

import dev.dhtsignal.dht.NodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.wire.CapturedVectors;
import dev.dhtsignal.dht.kademlia.wire.Datagram;
import dev.dhtsignal.dht.kademlia.wire.DropReason;
import dev.dhtsignal.dht.kademlia.wire.MalformedDatagramException;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcKind;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.RpcResponse;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The short fuzz run of the test suite (the long one is the fuzz tool, scripts/fuzz-dht.sh): twenty
 * thousand random and mutated datagrams, made from the captured vectors with a seeded random source, at
 * a node in this JVM. The node must drop them without a handler failure or an uncaught exception, count
 * every one, and answer ping with its id afterwards.
 */
class FuzzTest {
    private static final long SEED = 0x5eed_f022L;
    private static final int DATAGRAMS = 20_000;
    /** Datagrams sent before waiting for the node to have read them, so none overflow its socket buffer. */
    private static final int BATCH = 250;
    private static final int BATCH_BYTES = 1 << 20;

    @Test
    void aNodeDropsAndCountsHostileDatagramsAndKeepsAnswering() throws Exception {
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.compareAndSet(null, e));
        try (KademliaNode node = KademliaNode.start(KademliaConfig.builder().threadName("fuzz").build());
             RawUdpPeer fuzzer = new RawUdpPeer();
             RawUdpPeer pinger = new RawUdpPeer()) {
            Mutations mutations = new Mutations(CapturedVectors.load().datagrams(), new Random(SEED));
            long sent = 0;
            int inBatch = 0;
            long batchBytes = 0;
            for (int i = 0; i < DATAGRAMS; i++) {
                byte[] d = mutations.next();
                fuzzer.send(d, node.localAddress());
                sent++;
                batchBytes += d.length;
                if (++inBatch == BATCH || batchBytes > BATCH_BYTES || i == DATAGRAMS - 1) {
                    long target = sent;
                    Await.until("the node to read datagram " + target, Duration.ofSeconds(10),
                            () -> node.stats().datagramsReceived() >= target);
                    inBatch = 0;
                    batchBytes = 0;
                }
            }

            assertEquals(node.id(), ping(pinger, node.localAddress()), "the node answers ping with its id");
            NodeStats stats = node.stats();
            assertEquals(0, stats.handlerFailures(), "datagrams whose handling threw");
            assertNull(uncaught.get(), "no uncaught exception on any thread");
            assertEquals(sent + 1, stats.datagramsReceived(), "every datagram reached the node (and the ping)");
            // Every datagram was either answered or dropped under a reason (a refused store is both).
            assertTrue(stats.requestsServed() + stats.droppedTotal() >= stats.datagramsReceived(),
                    "served " + stats.requestsServed() + " + dropped " + stats.droppedTotal()
                            + " < received " + stats.datagramsReceived() + "; drops: " + stats.dropped());
            assertTrue(stats.droppedTotal() > 0);
            Set<DropReason> expected = EnumSet.of(DropReason.TOO_SHORT, DropReason.UNKNOWN_KIND,
                    DropReason.MALFORMED_MSGPACK, DropReason.WRONG_TYPE, DropReason.WRONG_ARITY,
                    DropReason.BAD_ID_LENGTH, DropReason.OVERSIZED, DropReason.UNKNOWN_RPC,
                    DropReason.UNEXPECTED_RESPONSE);
            for (DropReason r : expected) {
                assertTrue(stats.dropped(r) > 0, "the mutations reach '" + r.label() + "'; drops: " + stats.dropped());
            }
            assertTrue(stats.requestsServed() > 0, "some mutations are still good requests, and are answered");
            assertTrue(stats.dropped(DropReason.REFUSED_VALUE) > 0,
                    "stores of values nested thousands deep are read to the end and refused: " + stats.dropped());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    /** Pings and returns the id in the reply, skipping anything else the node sends meanwhile. */
    private static NodeId ping(RawUdpPeer peer, InetSocketAddress node) throws IOException, MalformedDatagramException {
        Random random = new Random(SEED + 1);
        MessageId id = MessageId.random(random);
        peer.send(WireCodec.encodeRequest(id, new RpcRequest.Ping(NodeId.random(random))), node);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            Optional<byte[]> got = peer.receive(Duration.ofNanos(left));
            if (got.isEmpty()) {
                break;
            }
            Datagram d = WireCodec.decode(got.get());
            if (d instanceof Datagram.Response r && r.messageId().equals(id)) {
                return ((RpcResponse.PingReply) WireCodec.decodeResponse(RpcKind.PING, r.body())).nodeId();
            }
        }
        throw new AssertionError("no reply to ping within 10 s after the fuzzing");
    }

    /**
     * Hostile datagrams: a captured one (with a fresh message id) with bits flipped, cut short, extended,
     * its body repeated, bytes swapped for MessagePack type markers, a length header claiming up to 2^32
     * put in, or its kind byte changed; two spliced; a request frame with random arguments; random bytes;
     * arrays nested thousands deep; datagrams over the 8192-byte body limit.
     */
    private static final class Mutations {
        private static final int HEADER = WireCodec.HEADER_LENGTH;
        private static final int[] MARKERS = {0xc0, 0xc1, 0xc2, 0xc3, 0xcc, 0xcf, 0xd3, 0xcb, 0xa0, 0xbf, 0xd9, 0xdb,
            0xc4, 0xc6, 0x90, 0x9f, 0xdc, 0xdd, 0x80, 0x8f, 0xde, 0xdf, 0xd4, 0xc7, 0xc9};
        private static final int[] LENGTH32 = {0xdd, 0xdf, 0xdb, 0xc6, 0xc9};
        private static final long[] HUGE = {0x8000_0000L, 0x7fff_ffffL, 0xffff_ffffL};

        private final List<CapturedVectors.Captured> vectors;
        private final Random random;

        Mutations(List<CapturedVectors.Captured> vectors, Random random) {
            this.vectors = vectors;
            this.random = random;
        }

        byte[] next() {
            byte[] b = captured();
            switch (random.nextInt(13)) {
                case 0:
                    return b;
                case 1:
                case 2:
                    for (int i = 1 + random.nextInt(8); i > 0; i--) {
                        b[bodyPosition(b)] ^= (byte) (1 << random.nextInt(8));
                    }
                    return b;
                case 3:
                    return Arrays.copyOf(b, random.nextInt(b.length));
                case 4:
                    return concat(b, randomBytes(1 + random.nextInt(64)));
                case 5:
                    return concat(b, Arrays.copyOfRange(b, HEADER, b.length));
                case 6:
                    for (int i = 1 + random.nextInt(3); i > 0; i--) {
                        b[bodyPosition(b)] = (byte) MARKERS[random.nextInt(MARKERS.length)];
                    }
                    return b;
                case 7:
                    return hugeLength(b);
                case 8:
                    return randomArguments();
                case 9:
                    b[0] = (byte) (random.nextBoolean() ? b[0] ^ 1 : random.nextInt(256));
                    return b;
                case 10: {
                    byte[] other = captured();
                    int cut = HEADER + random.nextInt(b.length - HEADER);
                    int from = HEADER + random.nextInt(other.length - HEADER);
                    return concat(Arrays.copyOf(b, cut), Arrays.copyOfRange(other, from, other.length));
                }
                case 11: {
                    byte[] r = randomBytes(random.nextInt(600));
                    if (r.length > 0 && random.nextBoolean()) {
                        r[0] = (byte) random.nextInt(2);
                    }
                    return r;
                }
                default:
                    return random.nextBoolean() ? deepNesting() : oversized();
            }
        }

        /** A captured datagram, copied, with a fresh message id. */
        private byte[] captured() {
            byte[] b = vectors.get(random.nextInt(vectors.size())).bytes().clone();
            for (int i = 1; i < HEADER; i++) {
                b[i] = (byte) random.nextInt(256);
            }
            return b;
        }

        private int bodyPosition(byte[] b) {
            return HEADER + random.nextInt(b.length - HEADER);
        }

        private byte[] hugeLength(byte[] b) {
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            int marker = LENGTH32[random.nextInt(LENGTH32.length)];
            long length = HUGE[random.nextInt(HUGE.length)];
            h.write(marker);
            for (int shift = 24; shift >= 0; shift -= 8) {
                h.write((int) (length >>> shift) & 0xff);
            }
            if (marker == 0xc9) {
                h.write(random.nextInt(256));  // ext type
            }
            int pos = HEADER + random.nextInt(b.length - HEADER + 1);
            byte[] header = h.toByteArray();
            return concat(concat(Arrays.copyOf(b, pos), header), Arrays.copyOfRange(b, pos, b.length));
        }

        /** {@code [name, [args]]} with a real RPC name, sometimes the wrong arity, and random argument values. */
        private byte[] randomArguments() {
            try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
                RpcKind kind = RpcKind.values()[random.nextInt(RpcKind.values().length)];
                p.packArrayHeader(2);
                p.packString(kind.wireName());
                int arity = random.nextInt(4) == 0 ? random.nextInt(4) : kind.arity();
                p.packArrayHeader(arity);
                for (int i = 0; i < arity; i++) {
                    randomValue(p, 0);
                }
                byte[] header = randomBytes(HEADER);
                header[0] = WireCodec.REQUEST;
                return concat(header, p.toByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void randomValue(MessageBufferPacker p, int depth) throws IOException {
            switch (random.nextInt(depth < 2 ? 10 : 8)) {
                case 0 -> p.packNil();
                case 1 -> p.packBoolean(random.nextBoolean());
                case 2 -> p.packLong(random.nextLong() >> random.nextInt(64));
                case 3 -> p.packDouble(random.nextDouble());
                case 4 -> p.packString("x".repeat(random.nextInt(30)));
                case 5, 6 -> {
                    byte[] bin = randomBytes(random.nextBoolean() ? 20 : random.nextInt(40));
                    p.packBinaryHeader(bin.length);
                    p.writePayload(bin);
                }
                case 7 -> {
                    byte[] ext = randomBytes(random.nextInt(9));
                    p.packExtensionTypeHeader((byte) random.nextInt(256), ext.length);
                    p.writePayload(ext);
                }
                case 8 -> {
                    int n = random.nextInt(4);
                    p.packArrayHeader(n);
                    for (int i = 0; i < n; i++) {
                        randomValue(p, depth + 1);
                    }
                }
                default -> {
                    int n = random.nextInt(3);
                    p.packMapHeader(n);
                    for (int i = 0; i < 2 * n; i++) {
                        randomValue(p, depth + 1);
                    }
                }
            }
        }

        /**
         * A store request whose value is arrays (or maps) nested up to 8000 deep, within the 8192-byte body
         * limit: everything before the value is valid, so the decoder really walks the nesting (the original
         * stores any value; ours answers {@code false}), and sometimes it is cut off inside.
         */
        private byte[] deepNesting() {
            try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
                p.packArrayHeader(2);
                p.packString("store");
                p.packArrayHeader(3);
                p.packBinaryHeader(20);
                p.writePayload(randomBytes(20));
                p.packBinaryHeader(20);
                p.writePayload(randomBytes(20));
                int depth = 100 + random.nextInt(8000);
                byte opener = (byte) (random.nextBoolean() ? 0x91 : 0x81);  // [x] or {nil: x}
                for (int i = 0; i < depth; i++) {
                    p.writePayload(new byte[] {opener});
                    if (opener == (byte) 0x81) {
                        p.packNil();
                    }
                }
                boolean cutOff = random.nextInt(4) == 0;
                if (!cutOff) {
                    p.packNil();
                }
                byte[] header = randomBytes(HEADER);
                header[0] = WireCodec.REQUEST;
                byte[] d = concat(header, p.toByteArray());
                return d.length - HEADER > WireCodec.MAX_REQUEST_BODY ? Arrays.copyOf(d, HEADER + WireCodec.MAX_REQUEST_BODY) : d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Over the 8192-byte request body limit, up to the largest UDP datagram. */
        private byte[] oversized() {
            byte[] b = randomBytes(HEADER + WireCodec.MAX_REQUEST_BODY + 1 + random.nextInt(40_000));
            b[0] = WireCodec.REQUEST;
            return b;
        }

        private byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
