package dev.dhtsignal.offerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.ConnectedPeer;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.ReachableAddress;
import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.TransferOptions;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.cli.WaitingIndicator;
import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.pake.KademliaNameplates;
import dev.dhtsignal.pake.MainlineNameplates;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.Spake2;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.signal.BoardExchange;
import dev.dhtsignal.signal.BoardOptions;
import dev.dhtsignal.signal.Connection;
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
import java.net.InetSocketAddress;
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
                + "input are sent, messages received are printed. The end of input (Ctrl-D) ends our side; the "
                + "chat goes on until the answerer has finished too. With --send or --receive it moves files instead.",
                "Stop with Ctrl-C: the offer is withdrawn from the DHT and the answerer is told at once.",
                "Exit codes: 0 done, 1 signaling or connection failed, or lines or files were not delivered (the message says which), 2 bad option, 130/143 stopped by Ctrl-C/SIGTERM."})
public final class OffererCommand implements Callable<Integer> {
    @Mixin
    PeerOptions peer;

    @Mixin
    TransferOptions files;

    @Option(names = "--message", paramLabel = "TEXT", defaultValue = "Hello from Peer A!",
            description = "The greeting sent first (default: ${DEFAULT-VALUE}).")
    String message;

    @Option(names = "--session", paramLabel = "CODE", arity = "0..1", fallbackValue = "",
            description = "Meet the answerer with a session code, sealed. Without CODE a new short code is made "
                    + "(like 7-guitarist-revenge: a number and two words, good for one connection, guessed online at "
                    + "most once, 1 in 65536) and the answerer's command printed. A long code (three groups of four, "
                    + "like K7QX-M2PD-9RTA) derives the keys directly and can be used again: for answerer --serve and "
                    + "the web page; --long-code makes one.")
    String session;

    @Option(names = "--long-code", description = "With --session and no CODE: make a long code (K7QX-M2PD-9RTA) "
            + "instead of a short one, e.g. for an answerer --serve or the web page.")
    boolean longCode;

    @Option(names = "--report-timing", hidden = true,
            description = "Print how long start-up and the signaling round took, for the benchmarks.")
    boolean reportTiming;

    private final PrintStream out;

    OffererCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Timing.mainEntered();
        StopSignal.install();
        Logging.configureQuiet(Logging.verboseRequested(args));
        if (!Cli.helpOrVersionRequested(args)) {
            PeerRuntime.preload("offerer"); // alongside picocli's parsing, which takes a while on a cold JVM
        }
        Cli.exitKeepingStdoutClean(Cli.execute(new OffererCommand(System.out), args));
    }

    @Override
    public Integer call() {
        if (longCode && (session == null || !session.isEmpty())) {
            throw Cli.usage(this, "--long-code goes with --session without a code");
        }
        boolean shortCode = !longCode && PeerOptions.isShortCode(session);
        if (shortCode) {
            Spake2.warmUpInBackground("offerer");  // while WebRTC loads and the DHT is joined
        }
        String code = session == null ? null : shortCode ? session : session.isEmpty() ? SessionCode.generate() : session;
        ShortCode typedShort;
        boolean mainline;
        try {
            mainline = peer.mainline();
            peer.requireOffererTimeoutWithinLimit();
            typedShort = shortCode ? PeerOptions.typedShortCode(session) : null;
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (mainline) {
            return callMainline(code, shortCode, typedShort);
        }
        SignalingOptions options;
        try {
            options = peer.toSignalingOptions(message, code);
            files.check();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (session != null && session.isEmpty() && !shortCode) {
            transcript.line("Session code: " + code);
            transcript.line(answererCommand(code, options));
        }
        if (!shortCode) {
            PeerOptions.warnIfPlain("offerer", options);
            peer.warnIfWeak("offerer", session == null || session.isEmpty() ? null : session);
        }
        Timing timing = new Timing();
        PeerRuntime runtime;
        try {
            runtime = PeerRuntime.startOffering(options, "offerer");
        } catch (SignalingException e) {
            System.err.println("offerer: " + e.getMessage());
            return 1;
        }
        try {
            timing.ready(runtime);
            Connection connection;
            WaitingIndicator waiting = WaitingIndicator.start("offerer: waiting for the answerer", options.timeout());
            if (session != null && session.isEmpty()) {
                checkTheHintsAddress(runtime.dht(), options.dht(), waiting::note);
            }
            KeyExchange agreed = null;
            if (shortCode) {
                try {
                    agreed = shortCodeExchange(typedShort, options, runtime, waiting.around(transcript));
                } catch (SignalingException e) {
                    waiting.close();
                    throw e;
                }
                options = options.withRendezvous(peer.rendezvousAfterKeyExchange(agreed.result().secret()));
            }
            Offerer offerer = new Offerer(options, runtime.dht(), runtime.rtc(), runtime.timer(),
                    waiting.around(transcript), Clock.systemUTC());
            // Registered until the end: a stop right after connecting must close the connection too.
            try (StopSignal.Registration withdrawing = StopSignal.onStop(offerer::withdraw)) {
                try {
                    connection = runtime.preparedOffer() != null ? offerer.connect(runtime.preparedOffer()) : offerer.connect();
                } finally {
                    waiting.close();
                    offerer.awaitClearing();
                    if (agreed != null) {
                        agreed.release();
                    }
                }
                System.err.println("offerer: " + PathReport.connected(connection.peer()));
                return converse(connection, transcript, timing);
            }
        } catch (SignalingException e) {
            if (!StopSignal.stopping()) {
                System.err.println("offerer: " + e.getMessage());
            }
            return 1;
        } finally {
            StopSignal.closeUnlessStopping(runtime::close);
        }
    }

    /** What follows connecting, on either network: the timing line if asked, then closing (--once) or the chat. */
    private int converse(Connection connection, Transcript transcript, Timing timing) {
        if (reportTiming) {
            System.err.println(timing.report());
        }
        if (peer.once()) {
            connection.close();
            return 0;
        }
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return new ConnectedPeer("offerer", "answerer", "Received message from Peer B: ", transcript, files)
                .run(connection, stdin);
    }

    /** A finished key exchange, and how to free its nameplate once the connection no longer needs it. */
    private record KeyExchange(PakeHandshake.Result result, Runnable freeNameplate) {
        void release() {
            freeNameplate.run();
        }
    }

    /**
     * The key exchange of a short code on the original network: claims a nameplate, prints the code and the
     * answerer's command, and waits for the answerer's reply (printing the new code if the nameplate had to
     * change).
     */
    private KeyExchange shortCodeExchange(ShortCode typed, SignalingOptions options, PeerRuntime runtime, Transcript transcript) {
        PakeHandshake handshake = new PakeHandshake(new KademliaNameplates(runtime.dht(), peer.offerKeyName(),
                peer.answerKeyName(), options.dhtDescription()),
                PeerOptions.handshakeSettings(options.timeout(), options.pollInterval(), options.dhtTimeout().multipliedBy(5)),
                Clock.systemUTC(), spentCodes());
        // Stopped from here until the nameplate is released: the claim (or confirmation) is cleared, so that
        // an answerer does not take the claim of an offerer that is gone and wait on it.
        StopSignal.Registration withdrawing = StopSignal.onStop(handshake::withdraw);
        try {
            PakeHandshake.Claim claim = handshake.claim(typed, peer.secret());
            if (typed == null) {
                transcript.line("Session code: " + claim.code());
                transcript.line(answererCommand(claim.code().toString(), options));
            }
            PakeHandshake.Result result = handshake.awaitAnswerer(claim, peer.secret());
            return new KeyExchange(result, () -> {
                handshake.release();
                withdrawing.close();
            });
        } catch (RuntimeException e) {
            withdrawing.close();
            throw e;
        }
    }

    /** The short codes this user has tried already: a failure to read or write them is a warning, never a stop. */
    private static SpentCodes spentCodes() {
        return SpentCodes.forUser(warning -> System.err.println("offerer: warning: " + warning));
    }

    /**
     * The command that meets us from another machine: the same code, the secret named (never shown) when
     * there is one, and a DHT address that machine can reach.
     */
    private String answererCommand(String code, SignalingOptions options) {
        String secret = peer.hasSecret() ? " (with the same secret in the environment variable DHT_SECRET)" : "";
        var dht = ReachableAddress.of(options.dht());
        String command = "On the answering side run" + secret + ": java -jar answerer.jar --session " + code
                + " --dht " + dht.orElse(Endpoints.format(options.dht()));
        if (dht.isEmpty()) {
            command += "   (" + Endpoints.format(options.dht()) + " is this machine; this machine has no address "
                    + "known to reach it from another, so use one that machine can reach)";
        }
        return command;
    }

    /**
     * The printed command gives the other machine this machine's address when our DHT node is reached
     * here on loopback. A node listening on loopback only (dht-server --bind 127.0.0.1) cannot be reached
     * there: ask it at that address, in the background, and say so when it does not answer.
     */
    private static void checkTheHintsAddress(DhtNode dht, InetSocketAddress local, java.util.function.Consumer<String> note) {
        ReachableAddress.instead(local).ifPresent(there -> dht.ping(there).whenComplete((id, failure) -> {
            if (failure != null && !dht.isClosed()) {
                note.accept("offerer: the DHT node at " + Endpoints.format(local) + " does not answer at "
                        + Endpoints.format(there) + ", the address in the command above: it listens on this machine "
                        + "only (started with --bind 127.0.0.1?). Give the answering side a DHT node it can reach.");
            }
        }));
    }

    /** The same exchange over the BitTorrent Mainline DHT: no dht-server, the session code is everything. */
    private Integer callMainline(String code, boolean shortCode, ShortCode typedShort) {
        BoardOptions options;
        java.util.List<java.net.InetSocketAddress> bootstrap;
        try {
            options = peer.toBoardOptions(message, code);
            bootstrap = peer.mainlineBootstrap("offerer");
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (session != null && session.isEmpty() && !shortCode) {
            transcript.line("Session code: " + code);
            transcript.line("On the answering side run: java -jar answerer.jar --session " + code + peer.mainlineJoinHint());
        }
        Timing timing = new Timing();
        try (MainlineRuntime runtime = MainlineRuntime.start(options, bootstrap, options.stepLimit(), "offerer")) {
            timing.ready();
            PakeHandshake handshake = shortCode ? new PakeHandshake(new MainlineNameplates(runtime.node(), Clock.systemUTC()),
                    PeerOptions.handshakeSettings(options.timeout(), options.pollPause(), options.stepLimit()), Clock.systemUTC(),
                    spentCodes()) : null;
            PakeHandshake.Result agreed = null;
            Connection connection;
            BoardExchange exchange;
            // Stopped during the key exchange or the signaling after it: our claim is cleared from the nameplate.
            try (StopSignal.Registration withdrawing = handshake == null ? () -> { } : StopSignal.onStop(handshake::withdraw)) {
                if (handshake != null) {
                    PakeHandshake.Claim claim = handshake.claim(typedShort, peer.secret());
                    if (typedShort == null) {
                        transcript.line("Session code: " + claim.code());
                        transcript.line("On the answering side run: java -jar answerer.jar --session " + claim.code() + peer.mainlineJoinHint());
                    }
                    agreed = handshake.awaitAnswerer(claim, peer.secret());
                    options = options.withSecret(agreed.secret());
                }
                exchange = new BoardExchange(new MainlineBoard(runtime.node(), options.secret(), Clock.systemUTC()),
                        options, runtime.rtc(), transcript, line -> System.err.println("offerer: " + line), Clock.systemUTC());
                // Stopped while waiting for the answer: our offer is cleared, so no answerer tries it.
                try (StopSignal.Registration clearing = StopSignal.onStop(exchange::withdraw)) {
                    connection = exchange.offer();
                }
            }
            // The used offer is being cleared in the background: let that finish, also when stopped.
            try (StopSignal.Registration clearing = StopSignal.onStop(exchange::withdraw)) {
                if (handshake != null) {
                    handshake.release();
                }
                return converse(connection, transcript, timing);
            } finally {
                exchange.withdraw();
            }
        } catch (SignalingException e) {
            System.err.println("offerer: " + e.getMessage());
            return 1;
        }
    }
}
