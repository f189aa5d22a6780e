package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.signal.Answerer;
import dev.dhtsignal.signal.BoardExchange;
import dev.dhtsignal.signal.BoardOptions;
import dev.dhtsignal.signal.Connection;
import dev.dhtsignal.signal.Conversation;
import dev.dhtsignal.signal.MainlineBoard;
import dev.dhtsignal.signal.MainlineRuntime;
import dev.dhtsignal.signal.PathReport;
import dev.dhtsignal.signal.PeerRuntime;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code answerer}: waits for an offer in the DHT, answers it, and chats over the data channel. */
@Command(name = "answerer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Answers a WebRTC offer found in the DHT and chats over the data channel: lines read from "
                + "standard input are sent, messages received are printed.",
                "Exit codes: 0 done, 1 signaling or connection failed (the message says what was awaited and where), 2 bad option."})
public final class AnswererCommand implements Callable<Integer> {
    @Mixin
    PeerOptions peer;

    @Option(names = "--message", paramLabel = "TEXT", defaultValue = "Hello from Peer B!",
            description = "The greeting sent in reply (default: ${DEFAULT-VALUE}).")
    String message;

    @Option(names = "--session", paramLabel = "CODE",
            description = "Meet the offerer under keys derived from this session code, with sealed SDP.")
    String session;

    @Option(names = "--serve", description = "Stay up and answer one offer after another, and several at once, "
            + "each as its own connection; lines are printed with the session they came from.")
    boolean serve;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "16",
            description = "With --serve: at most N sessions at once; offers beyond are skipped, not answered "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--max-offers-per-minute", paramLabel = "N", defaultValue = "30",
            description = "With --serve: answer at most N new offers in any minute; offers beyond are skipped, "
                    + "not answered, and counted in one line a minute on standard error (default: ${DEFAULT-VALUE}).")
    int maxOffersPerMinute;

    @Option(names = "--report-timing", hidden = true,
            description = "Print how long start-up and the signaling round took, for the benchmarks.")
    boolean reportTiming;

    private final PrintStream out;

    AnswererCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Timing.mainEntered();
        Logging.configure(Logging.verboseRequested(args));
        if (!Cli.helpOrVersionRequested(args)) {
            PeerRuntime.preload("answerer"); // alongside picocli's parsing, which takes a while on a cold JVM
        }
        Cli.exitKeepingStdoutClean(Cli.execute(new AnswererCommand(System.out), args));
    }

    @Override
    public Integer call() {
        boolean mainline;
        try {
            mainline = peer.mainline();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (mainline) {
            return callMainline();
        }
        SignalingOptions options;
        try {
            options = peer.toSignalingOptions(message, session);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (serve && peer.once()) {
            throw Cli.usage(this, "--serve and --once do not go together");
        }
        OfferAdmission admission;
        try {
            admission = new OfferAdmission(maxPeers, maxOffersPerMinute, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, "--max-peers and --max-offers-per-minute: " + e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        PeerOptions.warnIfPlain("answerer", options);
        peer.warnIfWeak("answerer", session);
        Timing timing = new Timing();
        try (PeerRuntime runtime = PeerRuntime.start(options, "answerer")) {
            timing.ready(runtime);
            Answerer answerer = new Answerer(options, runtime.dht(), runtime.rtc(), runtime.timer(), Clock.systemUTC());
            if (serve) {
                new Server(answerer, transcript, admission).run(System.in);
                return 0;
            }
            transcript.line("Waiting for Offer SDP in DHT...");
            Connection connection = answerFirstWorkingOffer(answerer, options, transcript);
            System.err.println("answerer: " + PathReport.connected(connection.peer()));
            if (reportTiming) {
                System.err.println(timing.report());
            }
            Conversation.End end = Conversation.End.INPUT_ENDED;
            if (peer.once()) {
                // The offerer closes once it has our greeting; waiting for that makes sure it arrived.
                Conversation.run(connection, null, transcript, "Received message on '" + options.label() + "': ");
            } else {
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                end = Conversation.run(connection, stdin, transcript, "Received message on '" + options.label() + "': ");
            }
            connection.close();
            if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println("answerer: the connection to the offerer was lost");
                return 1;
            }
            return 0;
        } catch (SignalingException e) {
            System.err.println("answerer: " + e.getMessage());
            return 1;
        }
    }

    /** The same exchange over the BitTorrent Mainline DHT: no dht-server, the session code is everything. */
    private Integer callMainline() {
        BoardOptions options;
        java.util.List<java.net.InetSocketAddress> bootstrap;
        try {
            if (serve) {
                throw new IllegalArgumentException("--serve is not available with --network mainline");
            }
            options = peer.toBoardOptions(message, session);
            bootstrap = peer.mainlineBootstrap("answerer");
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        Timing timing = new Timing();
        try (MainlineRuntime runtime = MainlineRuntime.start(options, bootstrap, options.stepLimit(), "answerer")) {
            timing.ready();
            BoardExchange exchange = new BoardExchange(new MainlineBoard(runtime.node(), options.secret(), Clock.systemUTC()),
                    options, runtime.rtc(), transcript, line -> System.err.println("answerer: " + line), Clock.systemUTC());
            Connection connection = exchange.answer();
            if (reportTiming) {
                System.err.println(timing.report());
            }
            Conversation.End end = Conversation.End.INPUT_ENDED;
            BufferedReader stdin = peer.once() ? null
                    : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            end = Conversation.run(connection, stdin, transcript, "Received message on '" + options.label() + "': ");
            connection.close();
            if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println("answerer: the connection to the offerer was lost");
                return 1;
            }
            return 0;
        } catch (SignalingException e) {
            System.err.println("answerer: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Answers offers until one connects or the time runs out. An offer can look live and still have no one
     * behind it (its offerer was killed); then the next offer gets its turn.
     */
    private static Connection answerFirstWorkingOffer(Answerer answerer, SignalingOptions options, Transcript out) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            Answerer.PendingOffer offer = answerer.nextOffer(left);
            try {
                return answerer.answer(offer, out);
            } catch (SignalingException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                System.err.println("answerer: offer " + offer.tag() + " did not work out (" + e.getMessage()
                        + "); waiting for another");
            }
        }
    }
}
