package dev.dhtsignal.offerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.signal.BoardExchange;
import dev.dhtsignal.signal.BoardOptions;
import dev.dhtsignal.signal.Connection;
import dev.dhtsignal.signal.Conversation;
import dev.dhtsignal.signal.MainlineBoard;
import dev.dhtsignal.signal.MainlineRuntime;
import dev.dhtsignal.signal.Offerer;
import dev.dhtsignal.signal.PathReport;
import dev.dhtsignal.signal.PeerRuntime;
import dev.dhtsignal.signal.SessionCode;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code offerer}: publishes an offer in the DHT, waits for the answer, and chats over the data channel. */
@Command(name = "offerer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Offers a WebRTC data channel through the DHT and chats over it: lines read from standard "
                + "input are sent, messages received are printed.",
                "Exit codes: 0 done, 1 signaling or connection failed (the message says what was awaited and where), 2 bad option."})
public final class OffererCommand implements Callable<Integer> {
    @Mixin
    PeerOptions peer;

    @Option(names = "--message", paramLabel = "TEXT", defaultValue = "Hello from Peer A!",
            description = "The greeting sent first (default: ${DEFAULT-VALUE}).")
    String message;

    @Option(names = "--session", paramLabel = "CODE", arity = "0..1", fallbackValue = "",
            description = "Meet the answerer under keys derived from a session code, with sealed SDP. "
                    + "Without CODE a new code is made and the answerer's command printed.")
    String session;

    @Option(names = "--report-timing", hidden = true,
            description = "Print how long start-up and the signaling round took, for the benchmarks.")
    boolean reportTiming;

    private final PrintStream out;

    OffererCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Timing.mainEntered();
        Logging.configure(Logging.verboseRequested(args));
        if (!Cli.helpOrVersionRequested(args)) {
            PeerRuntime.preload("offerer"); // alongside picocli's parsing, which takes a while on a cold JVM
        }
        Cli.exitKeepingStdoutClean(Cli.execute(new OffererCommand(System.out), args));
    }

    @Override
    public Integer call() {
        String code = session == null ? null : session.isEmpty() ? SessionCode.generate() : session;
        boolean mainline;
        try {
            mainline = peer.mainline();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (mainline) {
            return callMainline(code);
        }
        SignalingOptions options;
        try {
            options = peer.toSignalingOptions(message, code);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (session != null && session.isEmpty()) {
            transcript.line("Session code: " + code);
            transcript.line("On the answering side run: java -jar answerer.jar --session " + code
                    + " --dht " + dev.dhtsignal.dht.Endpoints.format(options.dht()));
        }
        PeerOptions.warnIfPlain("offerer", options);
        peer.warnIfWeak("offerer", session == null || session.isEmpty() ? null : session);
        Timing timing = new Timing();
        try (PeerRuntime runtime = PeerRuntime.start(options, "offerer")) {
            timing.ready(runtime);
            Offerer offerer = new Offerer(options, runtime.dht(), runtime.rtc(), runtime.timer(), transcript,
                    Clock.systemUTC());
            Connection connection;
            try {
                connection = offerer.connect();
            } finally {
                offerer.awaitClearing();
            }
            System.err.println("offerer: " + PathReport.connected(connection.peer()));
            if (reportTiming) {
                System.err.println(timing.report());
            }
            Conversation.End end = Conversation.End.INPUT_ENDED;
            if (!peer.once()) {
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                end = Conversation.run(connection, stdin, transcript, "Received message from Peer B: ");
            }
            connection.close();
            if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println("offerer: the connection to the answerer was lost");
                return 1;
            }
            return 0;
        } catch (SignalingException e) {
            System.err.println("offerer: " + e.getMessage());
            return 1;
        }
    }

    /** The same exchange over the BitTorrent Mainline DHT: no dht-server, the session code is everything. */
    private Integer callMainline(String code) {
        BoardOptions options;
        java.util.List<java.net.InetSocketAddress> bootstrap;
        try {
            options = peer.toBoardOptions(message, code);
            bootstrap = peer.mainlineBootstrap("offerer");
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (session != null && session.isEmpty()) {
            transcript.line("Session code: " + code);
            transcript.line("On the answering side run: java -jar answerer.jar --session " + code + peer.mainlineJoinHint());
        }
        Timing timing = new Timing();
        try (MainlineRuntime runtime = MainlineRuntime.start(options, bootstrap, options.stepLimit(), "offerer")) {
            timing.ready();
            BoardExchange exchange = new BoardExchange(new MainlineBoard(runtime.node(), options.secret(), Clock.systemUTC()),
                    options, runtime.rtc(), transcript, line -> System.err.println("offerer: " + line), Clock.systemUTC());
            Connection connection = exchange.offer();
            if (reportTiming) {
                System.err.println(timing.report());
            }
            Conversation.End end = Conversation.End.INPUT_ENDED;
            if (!peer.once()) {
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                end = Conversation.run(connection, stdin, transcript, "Received message from Peer B: ");
            }
            connection.close();
            if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println("offerer: the connection to the answerer was lost");
                return 1;
            }
            return 0;
        } catch (SignalingException e) {
            System.err.println("offerer: " + e.getMessage());
            return 1;
        }
    }
}
