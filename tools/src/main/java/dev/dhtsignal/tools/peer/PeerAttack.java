package dev.dhtsignal.tools.peer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Offerer;
import dev.dhtsignal.signal.exchange.PeerRuntime;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.transfer.IncomingFiles;
import dev.dhtsignal.transfer.PeerMessage;
import dev.dhtsignal.transfer.PeerSession;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peer-attack}: a hostile offerer. It meets an {@code answerer} through the DHT exactly as the
 * stock offerer does, then breaks the {@code peer} channel protocol in one of several ways, and prints
 * one line saying what it achieved, as the attacker sees it (the script beside it measures the other
 * side). Used by {@code scripts/attack-peer.sh}; the attacks the stock offerer can make by itself (a long
 * line, silence, many or huge files, odd names) are made with the stock offerer there.
 *
 * <ul>
 *   <li>{@code forge}: sends lines with terminal escapes (cursor moves, a fake "Received file" line, OSC 0
 *       window title, OSC 52 clipboard), a line break followed by another session's prefix, bidi controls,
 *       a file offer with such a name and a cancel with such a reason;</li>
 *   <li>{@code control}: one text message of {@code --bytes} (default 200 KiB) on {@code peer};</li>
 *   <li>{@code chat-flood}: {@code --count} messages of 256 KiB on {@code chat} after the greetings, which
 *       a peer speaking the {@code peer} protocol never reads;</li>
 *   <li>{@code stall}: offers a file of {@code --bytes}, sends its first 64 KiB once accepted, then nothing.</li>
 * </ul>
 */
@Command(name = "peer-attack", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Connects to an answerer as an offerer and attacks it over the data channel.",
                "Prints one line: what the attack achieved. Exit codes: 0 done, 1 connecting failed, 2 bad option."})
public final class PeerAttack implements Callable<Integer> {
    @Option(names = "--mode", required = true, paramLabel = "forge|control|chat-flood|stall", description = "The attack.")
    String mode;

    @Option(names = "--dht", paramLabel = "HOST:PORT", required = true, description = "DHT node to meet through.")
    String dht;

    @Option(names = "--offer-key", defaultValue = "webrtc-offer", description = "Offer key name (default: ${DEFAULT-VALUE}).")
    String offerKey;

    @Option(names = "--answer-key", defaultValue = "webrtc-answer", description = "Answer key name (default: ${DEFAULT-VALUE}).")
    String answerKey;

    @Option(names = "--slots", defaultValue = "4", description = "Offer slots, as the answerer's --slots (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--bytes", paramLabel = "BYTES", converter = ByteSize.class, defaultValue = "200KiB",
            description = "control: the message's size; stall: the file's announced size (default: ${DEFAULT-VALUE}).")
    long bytes;

    @Option(names = "--count", defaultValue = "2000", description = "chat-flood: messages to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "90s",
            description = "How long to wait for the answerer's reaction (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail to standard error.")
    boolean verbose;

    public static void main(String[] args) {
        Logging.configure(Logging.verboseRequested(args));
        Cli.exitKeepingStdoutClean(Cli.execute(new PeerAttack(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("forge", "control", "chat-flood", "stall").contains(mode)) {
            throw Cli.usage(this, "--mode must be forge, control, chat-flood or stall, not '" + mode + "'");
        }
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(dht);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, "--dht: " + e.getMessage());
        }
        // The greeting and the label are the other side's first sight of us: forged too, in forge mode.
        boolean forging = mode.equals("forge");
        String label = forging ? "chat\u001b[2J" : "chat";
        String greeting = forging ? "Hello\u001b]0;greeting retitled the window\u0007 from \u202Eevil" : "Hello from Peer A!";
        KademliaNetwork.Settings network = new KademliaNetwork.Settings(address, Duration.ofSeconds(2),
                Duration.ofMillis(100), offerKey, answerKey);
        SignalingOptions options = new SignalingOptions(slots, label, greeting, List.of(), IceTransport.ALL,
                Duration.ofSeconds(60), SignalingOptions.DEFAULT_CONNECT_TIMEOUT, network.pace());
        try (PeerRuntime runtime = PeerRuntime.start(network, options, null, false, "peer-attack")) {
            Offerer offerer = new Offerer(options, runtime.network().board(null), true, runtime.rtc(), runtime.timer(),
                    line -> System.err.println("peer-attack: " + line), Clock.systemUTC());
            Connection connection;
            try {
                connection = offerer.connect();
            } finally {
                offerer.awaitClearing();
            }
            try {
                PeerSession session = connection.session();
                if (session == null) {
                    System.err.println("peer-attack: the answerer does not speak the peer protocol");
                    return 1;
                }
                BlockingQueue<PeerMessage> replies = new LinkedBlockingQueue<>();
                session.onFileReply(replies::add);
                session.begin(line -> { }, IncomingFiles.refusing("not receiving files", line -> { }));
                System.out.println(mode + ": " + switch (mode) {
                    case "forge" -> forge(session);
                    case "control" -> control(session);
                    case "chat-flood" -> chatFlood(connection, session);
                    default -> stall(session, replies);
                });
            } finally {
                connection.close();
            }
            return 0;
        } catch (SignalingException e) {
            System.err.println("peer-attack: " + e.getMessage());
            return 1;
        }
    }

    private String forge(PeerSession session) throws InterruptedException {
        List<String> lines = List.of(
                "\u001b[1A\u001b[2KReceived file 'payroll.xlsx' (48213 bytes, SHA-256 verified) as /home/you/payroll.xlsx",
                "\u001b]0;window title set by the other peer\u0007",
                "\u001b]52;c;cm0gLXJmIH4vKgo=\u0007",
                "an innocent line\n[session 00000000] Received message on 'chat': a line forged for another session",
                "invoice\u202Efdp.exe");
        for (String line : lines) {
            session.send(PeerMessage.line(line, false));
        }
        session.send(PeerMessage.file(1, "invoice\u202Efdp.exe\u001b[31m", 10));
        session.send(new PeerMessage(PeerMessage.FILE_CANCEL, null, false, null, 1L, null, null, null,
                "cancelled\u001b]0;reason retitled the window\u0007"));
        session.end();
        Thread.sleep(2_000);  // time to print them; what was printed is for the script to look at
        return "sent " + lines.size() + " lines, a greeting, a label, a file name and a reason with ESC/OSC/newline/bidi";
    }

    private String control(PeerSession session) throws InterruptedException {
        long start = System.nanoTime();
        session.channel().send("{\"type\":\"line\",\"text\":\"" + "z".repeat((int) bytes - 30) + "\"}");
        return awaitClosing(session, start);
    }

    private String chatFlood(Connection connection, PeerSession session) throws Exception {
        RtcDataChannel chat = connection.channel();
        String message = "f".repeat(RtcDataChannel.MAX_MESSAGE_BYTES - 16);
        long start = System.nanoTime();
        int sent = 0;
        try {
            for (; sent < count; sent++) {
                if (chat.bufferedAmount() > 4L * 1024 * 1024) {
                    chat.awaitBufferedBelow(1024 * 1024, Duration.ofSeconds(30));
                }
                chat.send(message);
            }
        } catch (RuntimeException | java.util.concurrent.TimeoutException e) {
            return "the channel stopped taking messages after " + sent + " (" + sent / 4 + " MiB): " + e.getMessage();
        }
        // The last ones must have arrived before the answerer is looked at: a line on 'peer' comes after them.
        session.sendLine("after the flood");
        chat.awaitBufferedBelow(0, Duration.ofSeconds(30));
        Thread.sleep(2_000);
        return String.format(Locale.ROOT, "sent %d messages (%d MiB) on 'chat' in %.1f s; channel %s", sent, sent / 4,
                (System.nanoTime() - start) / 1e9, chat.closed().isDone() ? "closed" : "still open");
    }

    private String stall(PeerSession session, BlockingQueue<PeerMessage> replies) throws InterruptedException {
        session.send(PeerMessage.file(1, "stalled.bin", bytes));
        PeerMessage answer = replies.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null || !answer.type().equals(PeerMessage.FILE_ACCEPT)) {
            return "the file was not accepted: " + answer;
        }
        session.sendChunk(java.nio.ByteBuffer.wrap(new byte[64 * 1024]));
        long start = System.nanoTime();
        PeerMessage verdict = replies.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (verdict == null) {
            return "the receiver still held the file after " + wait.toSeconds() + " s";
        }
        return String.format(Locale.ROOT, "the receiver dropped the file %.1f s after the last chunk: %s (%s)",
                (System.nanoTime() - start) / 1e9, verdict.type(), verdict.reason());
    }

    private String awaitClosing(PeerSession session, long start) {
        try {
            session.channel().closed().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return "the answerer kept the session open for " + wait.toSeconds() + " s";
        }
        return String.format(Locale.ROOT, "the answerer closed the session %d ms later, telling us: %s",
                (System.nanoTime() - start) / 1_000_000, session.closedByPeer().orElse("(no reason)"));
    }
}
