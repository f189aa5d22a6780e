package dev.dhtsignal.tools.peer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.rtc.RtcDataChannel;
import dev.dhtsignal.signal.exchange.Answerer;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Offerer;
import dev.dhtsignal.signal.exchange.PeerRuntime;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code channel-bench send|receive}: data channel throughput between two processes that meet through the
 * DHT, exactly as the offerer and answerer do (PeerRuntime, then Offerer or Answerer, plain keys).
 *
 * <p>Start {@code receive} and {@code send} with the same {@code --dht} and {@code --key}. The sender
 * connects as the offerer, then for each high-water mark and each size sends {@code --volume} bytes (or for
 * {@code --duration}, whichever ends first) and prints a markdown table with the receiver's measurements.
 * See {@link BenchSender}, {@link BenchReceiver} and {@link Control} for how a run goes.
 *
 * <pre>
 *  java -cp tools.jar dev.dhtsignal.tools.peer.ChannelBench receive --dht 127.0.0.1:PORT --key k1 &amp;
 *  java -cp tools.jar dev.dhtsignal.tools.peer.ChannelBench send    --dht 127.0.0.1:PORT --key k1
 * </pre>
 */
@Command(name = "channel-bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Measures data channel throughput between two processes that connect through the DHT.",
                "Run 'receive' and 'send' with the same --dht and --key; the sender prints the table.",
                "Exit codes: 0 done, 1 connecting or a run failed, 2 bad option."})
public final class ChannelBench implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "send|receive", description = "Which side this process is.")
    String role;

    @Option(names = "--dht", paramLabel = "HOST:PORT", required = true, description = "DHT node to meet through.")
    String dht;

    @Option(names = "--key", paramLabel = "NAME", defaultValue = "channel-bench",
            description = "Rendezvous name; both sides must use the same, and concurrent pairs different ones "
                    + "(keys NAME-offer / NAME-answer, one slot; default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
            description = "How long to wait for the other side to show up in the DHT (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--sizes", paramLabel = "BYTES", split = ",", converter = ByteSize.class,
            defaultValue = "1KiB,16KiB,256KiB",
            description = "send: message sizes, at most " + RtcDataChannel.MAX_MESSAGE_BYTES + " (default: ${DEFAULT-VALUE}).")
    List<Long> sizes;

    @Option(names = "--high-water", paramLabel = "BYTES", split = ",", converter = ByteSize.class,
            defaultValue = "4MiB",
            description = "send: send-buffer high-water marks to try, each with every size (default: ${DEFAULT-VALUE}).")
    List<Long> highWaters;

    @Option(names = "--flow", paramLabel = "per-message|low-water", defaultValue = "low-water",
            description = "send: how to keep the send queue under the mark: ask bufferedAmount() before every message, "
                    + "or only when an upper bound says the mark is near and then drain to half of it "
                    + "(default: ${DEFAULT-VALUE}).")
    String flow;

    @Option(names = "--volume", paramLabel = "BYTES", converter = ByteSize.class, defaultValue = "200MB",
            description = "send: bytes per run (default: ${DEFAULT-VALUE}).")
    long volume;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "15s",
            description = "send: longest run; a run ends at --volume or this, whichever comes first (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
            description = "send: an untimed run of 16 KiB messages first, so the JIT has compiled the paths; 0 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--idle-limit", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "90s",
            description = "receive: give up when the sender is silent this long (default: ${DEFAULT-VALUE}).")
    Duration idleLimit;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail to standard error.")
    boolean verbose;

    /** Largest high-water mark accepted: libwebrtc closes the channel beyond 16 MiB queued. */
    static final long MAX_HIGH_WATER = 16L * 1024 * 1024 - RtcDataChannel.MAX_MESSAGE_BYTES;

    public static void main(String[] args) {
        Logging.configure(Logging.verboseRequested(args));
        Cli.exitKeepingStdoutClean(Cli.execute(new ChannelBench(), args));
    }

    @Override
    public Integer call() throws Exception {
        boolean sending = switch (role) {
            case "send" -> true;
            case "receive" -> false;
            default -> throw Cli.usage(this, "the role must be 'send' or 'receive', not '" + role + "'");
        };
        BenchSender.Settings settings = sending ? settings() : null;
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(dht);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, "--dht: " + e.getMessage());
        }
        KademliaNetwork.Settings network = new KademliaNetwork.Settings(address, Duration.ofSeconds(2),
                Duration.ofMillis(100), key + "-offer", key + "-answer");
        SignalingOptions options = new SignalingOptions(1, "bench", "channel-bench " + role, List.of(), IceTransport.ALL,
                timeout, SignalingOptions.DEFAULT_CONNECT_TIMEOUT, network.pace());
        // The signaling layer's lines ("Offer SDP stored in DHT." ...) are progress here, not results.
        Transcript progress = line -> System.err.println("channel-bench " + role + ": " + line);
        try (PeerRuntime runtime = PeerRuntime.start(network, options, null, false, "bench-" + role)) {
            Connection connection = sending ? connectAsOfferer(options, runtime, progress)
                    : connectAsAnswerer(options, runtime, progress);
            try {
                if (sending) {
                    new BenchSender(connection, settings, System.out).run();
                } else {
                    new BenchReceiver(connection, System.out).run(idleLimit);
                }
            } finally {
                connection.close();
            }
            return 0;
        } catch (SignalingException | IllegalStateException | TimeoutException e) {
            System.err.println("channel-bench " + role + ": " + e.getMessage());
            return 1;
        }
    }

    private BenchSender.Settings settings() {
        for (long size : sizes) {
            if (size < 1 || size > RtcDataChannel.MAX_MESSAGE_BYTES) {
                throw Cli.usage(this, "--sizes: " + size + " is not in 1.." + RtcDataChannel.MAX_MESSAGE_BYTES);
            }
        }
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
        for (long highWater : highWaters) {
            if (highWater < largest || highWater > MAX_HIGH_WATER) {
                throw Cli.usage(this, "--high-water: " + highWater + " must be at least the largest size (" + largest
                        + ") and at most " + MAX_HIGH_WATER + " (libwebrtc closes the channel past 16 MiB queued)");
            }
        }
        if (volume < 1 || duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            throw Cli.usage(this, "--volume and --duration must be positive, --warmup not negative");
        }
        BenchSender.Flow how = switch (flow) {
            case "per-message" -> BenchSender.Flow.PER_MESSAGE;
            case "low-water" -> BenchSender.Flow.LOW_WATER;
            default -> throw Cli.usage(this, "--flow must be per-message or low-water, not '" + flow + "'");
        };
        return new BenchSender.Settings(sizes.stream().map(Long::intValue).toList(), highWaters, volume, duration,
                warmup, how);
    }

    private static Connection connectAsOfferer(SignalingOptions options, PeerRuntime runtime, Transcript progress) {
        Offerer offerer = new Offerer(options, runtime.network().board(null), true, runtime.rtc(), runtime.timer(), progress,
                Clock.systemUTC());
        try {
            return offerer.connect();
        } finally {
            offerer.awaitClearing();
        }
    }

    private static Connection connectAsAnswerer(SignalingOptions options, PeerRuntime runtime, Transcript progress) {
        Answerer answerer = new Answerer(options, runtime.network().board(null), runtime.rtc(), runtime.timer(),
                Clock.systemUTC());
        Answerer.PendingOffer offer = answerer.nextOffer(options.timeout());
        return answerer.answer(offer, progress);
    }
}
