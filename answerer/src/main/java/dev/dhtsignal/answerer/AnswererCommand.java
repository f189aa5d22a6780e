package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.ConnectedPeer;
import dev.dhtsignal.cli.Logging;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.TransferOptions;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.cli.WaitingIndicator;
import dev.dhtsignal.pake.KademliaNameplates;
import dev.dhtsignal.pake.MainlineNameplates;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.Spake2;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.signal.Answerer;
import dev.dhtsignal.signal.BoardExchange;
import dev.dhtsignal.signal.BoardOptions;
import dev.dhtsignal.signal.Connection;
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
                + "standard input are sent, messages received are printed. The end of input (Ctrl-D) ends our side; "
                + "the chat goes on until the offerer has finished too. With --send or --receive it moves files instead.",
                "Stop with Ctrl-C: an unused answer is withdrawn from the DHT and the offerer is told at once.",
                "Exit codes: 0 done, 1 signaling or connection failed, or lines or files were not delivered (the message says which), 2 bad option, 130/143 stopped by Ctrl-C/SIGTERM."})
public final class AnswererCommand implements Callable<Integer> {
    @Mixin
    PeerOptions peer;

    @Mixin
    TransferOptions files;

    @Option(names = "--message", paramLabel = "TEXT", defaultValue = "Hello from Peer B!",
            description = "The greeting sent in reply (default: ${DEFAULT-VALUE}).")
    String message;

    @Option(names = "--session", paramLabel = "CODE",
            description = "Meet the offerer with the session code it printed, sealed. A short code (a number and "
                    + "two words, like 7-guitarist-revenge) runs a key exchange first and is good for one connection; "
                    + "a wrong one fails on both sides and uses the code up. A long code (three groups of four, like "
                    + "K7QX-M2PD-9RTA) derives the keys directly and can be used again; --serve needs one.")
    String session;

    @Option(names = "--serve", description = "Stay up and answer one offer after another, and several at once, "
            + "each as its own connection; lines received are printed with the session they came from, and each "
            + "line typed goes to every open session. Ctrl-D (end of input) ends our side of every open and later "
            + "session (each closes once its offerer has finished too) and keeps answering. Stop with Ctrl-C or "
            + "SIGTERM: open sessions are closed, so their offerers are told at once.")
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
        StopSignal.install();
        Logging.configureQuiet(Logging.verboseRequested(args));
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
        boolean shortCode = PeerOptions.isShortCode(session);
        if (shortCode) {
            Spake2.warmUpInBackground("answerer");  // while WebRTC loads and the DHT is joined
        }
        ShortCode code;
        try {
            if (session != null && session.isEmpty()) {
                throw new IllegalArgumentException("--session needs the code the offerer printed");
            }
            code = shortCode ? PeerOptions.typedShortCode(session) : null;
            if (shortCode && serve) {
                throw new IllegalArgumentException("--serve needs a long code (like K7QX-M2PD-9RTA; offerer --session "
                        + "--long-code makes one) or --secret: a short code such as " + session + " is good for one "
                        + "connection only");
            }
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (mainline) {
            return callMainline(code);
        }
        SignalingOptions options;
        try {
            options = peer.toSignalingOptions(message, session);
            files.check();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        if (serve && peer.once()) {
            throw Cli.usage(this, "--serve and --once do not go together");
        }
        if (serve && files.transferring()) {
            throw Cli.usage(this, "--serve does not send or receive files");
        }
        OfferAdmission admission;
        try {
            admission = new OfferAdmission(maxPeers, maxOffersPerMinute, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, "--max-peers and --max-offers-per-minute: " + e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (!shortCode) {
            PeerOptions.warnIfPlain("answerer", options);
            peer.warnIfWeak("answerer", session);
        }
        Timing timing = new Timing();
        PeerRuntime runtime;
        try {
            runtime = PeerRuntime.start(options, "answerer");
        } catch (SignalingException e) {
            System.err.println("answerer: " + e.getMessage());
            return 1;
        }
        try {
            timing.ready(runtime);
            Answerer answerer = new Answerer(options, runtime.dht(), runtime.rtc(), runtime.timer(), Clock.systemUTC());
            try (StopSignal.Registration withdrawing = StopSignal.onStop(answerer::withdraw)) {
                if (serve) {
                    new Server(answerer, transcript, admission).run(System.in);
                    return 0;
                }
                transcript.line("Waiting for Offer SDP in DHT...");
                Connection connection;
                try (WaitingIndicator waiting = WaitingIndicator.start("answerer: waiting for an offer", options.timeout())) {
                    if (code != null) {
                        // The key exchange first; the sealed offer is then looked for under the keys it gave.
                        PakeHandshake handshake = new PakeHandshake(new KademliaNameplates(runtime.dht(), peer.offerKeyName(),
                                peer.answerKeyName(), options.dhtDescription()),
                                PeerOptions.handshakeSettings(options.timeout(), options.pollInterval(),
                                        options.dhtTimeout().multipliedBy(5)), Clock.systemUTC(), spentCodes());
                        try (StopSignal.Registration withdrawingReply = StopSignal.onStop(handshake::withdraw)) {
                            PakeHandshake.Result agreed = handshake.join(code, peer.secret());
                            options = options.withRendezvous(peer.rendezvousAfterKeyExchange(agreed.secret()));
                            Answerer sealed = new Answerer(options, runtime.dht(), runtime.rtc(), runtime.timer(), Clock.systemUTC());
                            try (StopSignal.Registration withdrawingSealed = StopSignal.onStop(sealed::withdraw)) {
                                connection = answerFirstWorkingOffer(sealed, options, waiting.around(transcript));
                            } finally {
                                handshake.release();
                            }
                        }
                    } else {
                        connection = answerFirstWorkingOffer(answerer, options, waiting.around(transcript));
                    }
                }
                System.err.println("answerer: " + PathReport.connected(connection.peer()));
                if (reportTiming) {
                    System.err.println(timing.report());
                }
                return chat(connection, options.label(), transcript);
            }
        } catch (SignalingException e) {
            if (!StopSignal.stopping()) {
                System.err.println("answerer: " + e.getMessage());
            }
            return 1;
        } finally {
            StopSignal.closeUnlessStopping(runtime::close);
        }
    }

    /** The short codes this user has tried already: a failure to read or write them is a warning, never a stop. */
    private static SpentCodes spentCodes() {
        return SpentCodes.forUser(warning -> System.err.println("answerer: warning: " + warning));
    }

    /** What to check when no offer came: the likeliest causes first. */
    private static String whatElse(SignalingOptions options) {
        String code = options.rendezvous().sealed()
                ? "check the code (or secret): it must be the one the offerer printed or was given; "
                : "check the keys (--offer-key, DHT_KEY_OFFER) match the offerer's; ";
        return code + "check that the offerer is running, within its --timeout, and joined the same DHT (--dht)";
    }

    /** The same exchange over the BitTorrent Mainline DHT: no dht-server, the session code is everything. */
    private Integer callMainline(ShortCode code) {
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
            PakeHandshake handshake = code == null ? null : new PakeHandshake(new MainlineNameplates(runtime.node(), Clock.systemUTC()),
                    PeerOptions.handshakeSettings(options.timeout(), options.pollPause(), options.stepLimit()), Clock.systemUTC(),
                    spentCodes());
            PakeHandshake.Result agreed = null;
            Connection connection;
            // Stopped during the key exchange or the signaling after it: our reply is cleared from the nameplate.
            try (StopSignal.Registration withdrawing = handshake == null ? () -> { } : StopSignal.onStop(handshake::withdraw)) {
                if (handshake != null) {
                    agreed = handshake.join(code, peer.secret());
                    options = options.withSecret(agreed.secret());
                }
                BoardExchange exchange = new BoardExchange(new MainlineBoard(runtime.node(), options.secret(), Clock.systemUTC()),
                        options, runtime.rtc(), transcript, line -> System.err.println("answerer: " + line), Clock.systemUTC());
                // Stopped after answering but before connecting: our answer is cleared.
                try (StopSignal.Registration clearing = StopSignal.onStop(exchange::withdraw)) {
                    connection = exchange.answer();
                }
            }
            if (handshake != null) {
                handshake.release();
            }
            if (reportTiming) {
                System.err.println(timing.report());
            }
            return chat(connection, options.label(), transcript);
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
            Answerer.PendingOffer offer;
            try {
                offer = answerer.nextOffer(left);
            } catch (SignalingException e) {
                throw new SignalingException(e.getMessage() + "; " + whatElse(options), e);
            }
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

    /** The conversation once connected, on either network: standard input out, messages in, files if asked. */
    private int chat(Connection connection, String label, Transcript transcript) {
        // With --once no lines are sent: our side ends at once, and the offerer closes after the greetings.
        BufferedReader stdin = peer.once() ? null
                : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return new ConnectedPeer("answerer", "offerer", "Received message on '" + label + "': ", transcript, files)
                .run(connection, stdin);
    }
}
