package dev.dhtsignal.tools.bench;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.MainlineConfig;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import dev.dhtsignal.dht.kademlia.wire.MessageId;
import dev.dhtsignal.dht.kademlia.wire.RpcRequest;
import dev.dhtsignal.dht.kademlia.wire.WireCodec;
import dev.dhtsignal.pake.BoardNameplates;
import dev.dhtsignal.pake.NameplateBoard;
import dev.dhtsignal.pake.NameplateBoard.Side;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.PakeMessage;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.pake.WrongCodeException;
import dev.dhtsignal.rtc.SessionDescription;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.KademliaBoard;
import dev.dhtsignal.signal.board.MainlineBoard;
import dev.dhtsignal.signal.board.SignalBoard;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalMessage;
import dev.dhtsignal.signal.SignalingException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortcode-attack}: what a third party who can write the DHT does to short codes and sealed offers,
 * one step at a time, for {@code scripts/attack-shortcodes.sh}, which runs the stock programs around it and
 * judges the outcome. Each mode prints one or two lines starting with its name; nothing here knows a code's
 * words unless the script gives them (to show the worst case: a lucky guess).
 *
 * <ul>
 *   <li>{@code squat}: holds nameplates. On the original network, an "abandoned" value (29 bytes) that says it
 *       expires at {@code --expires} under each offerer key of {@code --nameplates}; on Mainline, an item with
 *       seq 2^63-1 (which no write can pass) and an empty value, which reads as free.</li>
 *   <li>{@code guess}: answers the claim at {@code --nameplate} with random words, as an answerer would.</li>
 *   <li>{@code claim}: posts a claim of its own for {@code --code} (a guess), on every node or on
 *       {@code --only-node}, keeps it there, and waits for an answerer's reply: a reply tests the guess.</li>
 *   <li>{@code erase}: clears both keys of {@code --nameplate} (the public "abandoned" marker with them).</li>
 *   <li>{@code read}: prints what the offerer key of {@code --nameplate} holds.</li>
 *   <li>{@code displace}: writes, once, a claim with exchange id 00.. at {@code --nameplate}: the old rule
 *       "the smaller id keeps the nameplate" moved an offerer that saw it.</li>
 *   <li>{@code sealed-squat}: an offer that says it expires at {@code --expires} in each of the {@code --slots}
 *       slots, sealed with {@code --secret} (whoever has it), or plain without.</li>
 * </ul>
 */
@Command(name = "shortcode-attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One step of an attack on short codes or sealed offers, against a DHT on loopback.",
                "Exit status: 0 the step ran (whatever it achieved), 1 it could not run (the DHT did not answer)."})
public final class ShortCodeAttack implements Callable<Integer> {
    enum Mode { SQUAT, GUESS, CLAIM, ERASE, READ, DISPLACE, SEALED_SQUAT }

    private static final PakeHandshake.Settings SETTINGS = new PakeHandshake.Settings(Duration.ofSeconds(60),
            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(10));

    @Option(names = "--mode", required = true, paramLabel = "MODE", converter = ModeConverter.class,
            description = "squat, guess, claim, erase, read, displace or sealed-squat.")
    Mode mode;

    @Option(names = "--network", paramLabel = "NAME", defaultValue = "kademlia",
            description = "kademlia (through --dht) or mainline (through --bootstrap); squat only (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--dht", paramLabel = "HOST:PORT", description = "A node of the original network, on loopback.")
    String dht;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "A Mainline node, on loopback.")
    String bootstrap;

    @Option(names = "--nameplates", paramLabel = "FROM-TO", defaultValue = "1-9999",
            description = "squat: the nameplates to hold (default: ${DEFAULT-VALUE}).")
    String nameplates;

    @Option(names = "--nameplate", paramLabel = "N", description = "guess, erase, read, displace: the nameplate.")
    int nameplate;

    @Option(names = "--code", paramLabel = "CODE", description = "claim: the code guessed, or a nameplate alone for random words.")
    String code;

    @Option(names = "--only-node", paramLabel = "HOST:PORT",
            description = "claim: write the claim on this node only, as a writer who reached some nodes leaves it.")
    String onlyNode;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "claim: how long to wait for an answerer's reply (default: ${DEFAULT-VALUE}).")
    Duration waitLimit;

    @Option(names = "--expires", paramLabel = "INSTANT", defaultValue = "3000-01-01T00:00:00Z",
            description = "squat, sealed-squat: the expiry the values claim (default: ${DEFAULT-VALUE}).")
    Instant expires;

    @Option(names = "--secret", paramLabel = "SECRET", description = "sealed-squat: the session's secret; plain without.")
    String secret;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "4", description = "sealed-squat: slots (default: ${DEFAULT-VALUE}).")
    int slots;

    private final SecureRandom random = new SecureRandom();

    public static void main(String[] args) {
        Logging.configure(Logging.verboseRequested(args));
        Cli.exitKeepingStdoutClean(Cli.execute(new ShortCodeAttack(), args));
    }

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return Mode.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            if (mode == Mode.SQUAT && network.equals("mainline")) {
                return squatMainline();
            }
            if (dht == null) {
                throw Cli.usage(this, "--dht HOST:PORT is needed for " + mode.name().toLowerCase(Locale.ROOT));
            }
            InetSocketAddress node = Targets.parse(this, dht, false);
            try (KademliaNode client = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .clientOnly(true).threadName("shortcode-attack").build())) {
                client.bootstrap(List.of(node)).get(30, TimeUnit.SECONDS);
                BoardNameplates board = new BoardNameplates(KademliaBoard.plain(client, "webrtc-offer", "webrtc-answer", dht));
                return switch (mode) {
                    case SQUAT -> squatKademlia(board);
                    case GUESS -> guess(board);
                    case CLAIM -> claim(board);
                    case ERASE -> erase(board);
                    case READ -> read(board);
                    case DISPLACE -> displace(board);
                    case SEALED_SQUAT -> sealedSquat(client);
                };
            }
        } catch (SignalingException e) {
            System.out.println(mode.name().toLowerCase(Locale.ROOT).replace('_', '-') + ": failed: " + e.getMessage());
            return 1;
        }
    }

    private int[] range() {
        String[] parts = nameplates.split("-");
        int from = Integer.parseInt(parts[0]);
        int to = parts.length > 1 ? Integer.parseInt(parts[1]) : from;
        if (from < 1 || to > ShortCode.MAX_NAMEPLATE || from > to) {
            throw Cli.usage(this, "--nameplates FROM-TO within 1-" + ShortCode.MAX_NAMEPLATE);
        }
        return new int[] {from, to};
    }

    /** The original network: an "abandoned" marker under each offerer key, 32 writes at a time. */
    private int squatKademlia(BoardNameplates board) throws Exception {
        int[] r = range();
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(32);
        AtomicInteger stored = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int n = r[0]; n <= r[1]; n++) {
            inFlight.acquire();
            byte[] id = new byte[PakeMessage.ID_LENGTH];
            random.nextBytes(id);
            all.add(board.put(n, Side.OFFERER, PakeMessage.abandoned(id, expires).encode()).whenComplete((ok, e) -> {
                inFlight.release();
                if (e == null) {
                    stored.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(10, TimeUnit.MINUTES);
        System.out.printf(Locale.ROOT, "squat: %d of %d nameplates hold an abandoned value expiring %s (%.1f s)%n",
                stored.get(), r[1] - r[0] + 1, expires, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Mainline: an item with seq 2^63-1 and an empty value (free to a reader) under each offerer item. */
    private int squatMainline() throws Exception {
        if (bootstrap == null) {
            throw Cli.usage(this, "--bootstrap HOST:PORT is needed with --network mainline");
        }
        InetSocketAddress via = Targets.parse(this, bootstrap, false);
        int[] r = range();
        long start = System.nanoTime();
        try (MainlineNode client = MainlineNode.start(MainlineConfig.client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withThreadName("shortcode-attack"))) {
            client.bootstrap(List.of(via)).get(30, TimeUnit.SECONDS);
            int stored = 0;
            for (int n = r[0]; n <= r[1]; n++) {
                MutableItem item = MutableItem.sign(MainlineBoard.nameplateKey(n, BoardName.Side.OFFERER), new byte[0], Long.MAX_VALUE, new byte[0]);
                if (client.put(item, Optional.empty()).get(60, TimeUnit.SECONDS).stored() > 0) {
                    stored++;
                }
            }
            System.out.printf(Locale.ROOT, "squat: %d of %d nameplate items hold seq 2^63-1 (%.1f s)%n",
                    stored, r[1] - r[0] + 1, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }

    /** Answers the claim at the nameplate with random words: one guess against the offerer. */
    private int guess(BoardNameplates board) {
        ShortCode guess = ShortCode.random(nameplate, random);
        try {
            new PakeHandshake(board, SETTINGS, Clock.systemUTC(), SpentCodes.inMemory()).join(guess, null);
            System.out.println("guess: " + guess + " was right (1 in 65 536): the offerer confirmed us");
        } catch (WrongCodeException e) {
            System.out.println("guess: " + guess + " was wrong: the offerer abandoned the code");
        }
        return 0;
    }

    /**
     * Posts a claim for the guessed code (on every node, or on one) and waits for an answerer to reply to it:
     * a reply tests the guess; a right guess is confirmed, so the answerer goes on with us.
     */
    private int claim(BoardNameplates board) throws Exception {
        ShortCode guess = code.matches("[0-9]{1,4}") ? ShortCode.random(Integer.parseInt(code), random) : ShortCode.parse(code);
        OwnValues own = new OwnValues(board, onlyNode == null ? null : Targets.parse(this, onlyNode, false));
        PakeHandshake fake = new PakeHandshake(own, new PakeHandshake.Settings(waitLimit, Duration.ofMillis(100),
                Duration.ofMillis(200), Duration.ofSeconds(10)), Clock.systemUTC(), SpentCodes.inMemory());
        PakeHandshake.Claim claim = fake.claim(guess, null);
        System.out.println("claim: posted for " + guess + (onlyNode == null ? "" : " on " + onlyNode + " only"));
        System.out.flush();
        try {
            fake.awaitAnswerer(claim, null);
            System.out.println("claim: the answerer replied, tested the guess, and it was right: the answerer confirmed us");
        } catch (WrongCodeException e) {
            System.out.println("claim: the answerer replied and tested the guess (wrong)");
        } catch (SignalingException e) {
            System.out.println("claim: no answerer replied within " + waitLimit.toSeconds() + " s: no guess tested");
        }
        return 0;
    }

    private int erase(BoardNameplates board) throws Exception {
        board.put(nameplate, Side.OFFERER, new byte[0]).get(30, TimeUnit.SECONDS);
        board.put(nameplate, Side.ANSWERER, new byte[0]).get(30, TimeUnit.SECONDS);
        System.out.println("erase: nameplate " + nameplate + " cleared (the abandoned marker with it)");
        return 0;
    }

    private int read(BoardNameplates board) throws Exception {
        List<String> kinds = new ArrayList<>();
        for (byte[] v : board.getAll(nameplate, Side.OFFERER).get(30, TimeUnit.SECONDS)) {
            try {
                kinds.add(v.length == 0 ? "cleared" : PakeMessage.decode(v).toString());
            } catch (IllegalArgumentException e) {
                kinds.add("junk");
            }
        }
        System.out.println("read: nameplate " + nameplate + " holds " + (kinds.isEmpty() ? "nothing" : String.join(", ", kinds)));
        return 0;
    }

    private int displace(BoardNameplates board) throws Exception {
        byte[] zeros = new byte[PakeMessage.ID_LENGTH];
        byte[] point = dev.dhtsignal.pake.Spake2.start(dev.dhtsignal.pake.Spake2.Role.A,
                dev.dhtsignal.pake.PasswordScalar.of(ShortCode.random(nameplate, random).password(null)), random).message();
        board.put(nameplate, Side.OFFERER, PakeMessage.claim(zeros, Instant.now().plusSeconds(60), point).encode()).get(30, TimeUnit.SECONDS);
        System.out.println("displace: a claim with id 00.. written at nameplate " + nameplate);
        return 0;
    }

    /** Offers that say they expire at {@code --expires}, one in each slot. */
    private int sealedSquat(KademliaNode client) throws Exception {
        SignalBoard keys = secret == null ? KademliaBoard.plain(client, "webrtc-offer", "webrtc-answer", dht)
                : KademliaBoard.sealed(client, SharedSecret.of(null, secret), "webrtc-offer", "webrtc-answer", dht);
        Instant now = Instant.now();
        for (int i = 0; i < slots; i++) {
            byte[] id = new byte[16];
            random.nextBytes(id);
            SignalMessage forever = new SignalMessage(SessionDescription.offer("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"),
                    HexFormat.of().formatHex(id), now, expires);
            BoardName slot = BoardName.offer(i);
            keys.put(slot, keys.format().encodeOffer(forever, keys.keyOf(slot)).value()).get(30, TimeUnit.SECONDS);
        }
        System.out.println("sealed-squat: " + slots + " " + (secret == null ? "plain" : "sealed") + " offers expiring "
                + expires + ", one in each slot");
        return 0;
    }

    /**
     * The attacker's own view of the board: its claim goes to every node, or to one only (a raw STORE), and
     * its reads of the offerer key see only what it wrote there, so that its own handshake goes ahead beside
     * the offerer's "abandoned" marker.
     */
    private static final class OwnValues implements NameplateBoard {
        private final BoardNameplates board;
        private final InetSocketAddress onlyNode;
        private final Set<String> written = ConcurrentHashMap.newKeySet();

        OwnValues(BoardNameplates board, InetSocketAddress onlyNode) {
            this.board = board;
            this.onlyNode = onlyNode;
        }

        @Override
        public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
            if (side == Side.OFFERER) {
                written.add(HexFormat.of().formatHex(value));
                if (onlyNode != null) {
                    return CompletableFuture.runAsync(() -> storeOn(onlyNode, board.keyOf(nameplate, side), value));
                }
            }
            return board.put(nameplate, side, value);
        }

        @Override
        public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
            return board.getAll(nameplate, side).thenApply(values -> side == Side.ANSWERER ? values
                    : values.stream().filter(v -> written.contains(HexFormat.of().formatHex(v))).toList());
        }

        @Override
        public String describe(int nameplate, Side side) {
            return board.describe(nameplate, side);
        }

        /** One STORE datagram to one node, sent again until it answers (at most 5 tries). */
        private static void storeOn(InetSocketAddress node, NodeId key, byte[] value) {
            DhtValue v = value.length == 0 ? DhtValue.text("") : DhtValue.bytes(value);
            byte[] request = WireCodec.encodeRequest(MessageId.random(new java.util.Random()),
                    new RpcRequest.Store(NodeId.random(new java.util.Random()), key, v));
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                socket.setSoTimeout(1_000);
                for (int attempt = 0; attempt < 5; attempt++) {
                    socket.send(new DatagramPacket(request, request.length, node));
                    try {
                        socket.receive(new DatagramPacket(new byte[2048], 2048));
                        return;
                    } catch (java.net.SocketTimeoutException e) {
                        // sent again
                    }
                }
                throw new SignalingException("the node at " + node + " did not answer the store");
            } catch (java.io.IOException e) {
                throw new SignalingException("storing on " + node + ": " + e.getMessage());
            }
        }
    }
}
