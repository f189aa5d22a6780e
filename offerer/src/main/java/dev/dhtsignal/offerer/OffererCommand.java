package dev.dhtsignal.offerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.ConnectedPeer;
import dev.dhtsignal.cli.JoinCommand;
import dev.dhtsignal.cli.NetworkLoss;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.cli.Terminal;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.TransferOptions;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.cli.WaitingIndicator;
import dev.dhtsignal.pake.BoardNameplates;
import dev.dhtsignal.pake.NameplateBoard;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.Spake2;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Offerer;
import dev.dhtsignal.signal.exchange.PathReport;
import dev.dhtsignal.signal.exchange.PeerRuntime;
import dev.dhtsignal.signal.SessionCode;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.WaitTimedOut;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.signal.board.NetworkSettings;
import dev.dhtsignal.signal.board.SignalBoard;
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
                + "input are sent, messages received are printed. The end of input (Ctrl-D) ends our side; the "
                + "chat goes on until the answerer has finished too. Files the answerer offers are taken when the person at the terminal says yes (--yes or --receive take them unasked); --send sends files and directories, --text one message.",
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
                    + "like K7QX-M2PD-9RTA) derives the keys directly and can be used again, as answerer --serve needs; "
                    + "--long-code makes one.")
    String session;

    @Option(names = "--page", paramLabel = "URL", defaultValue = "${env:DHT_PAGE}",
            description = "The web page of the DHT node (dht-server --http), e.g. http://192.168.1.20:8080/ (env "
                    + "DHT_PAGE): with --session, also print the link that opens it ready to join, and its QR code on a "
                    + "terminal.")
    String page;

    @Option(names = "--long-code", description = "With --session and no CODE: make a long code (K7QX-M2PD-9RTA) "
            + "instead of a short one, e.g. for an answerer --serve.")
    boolean longCode;

    private final PrintStream out;

    OffererCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Cli.runPeer("offerer", () -> new OffererCommand(System.out), args);
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
        String code = session == null || shortCode ? session : session.isEmpty() ? SessionCode.generate() : session;
        ShortCode typedShort;
        NetworkSettings network;
        SignalingOptions options;
        SharedSecret secret;
        dev.dhtsignal.cli.PageLink pageLink;
        try {
            peer.requireOffererTimeoutWithinLimit();
            pageLink = page == null || page.isBlank() ? null : dev.dhtsignal.cli.PageLink.parse(page);
            typedShort = shortCode ? PeerOptions.typedShortCode(session) : null;
            network = peer.network("offerer", code);
            options = peer.signaling(message, network);
            secret = peer.sharedSecret(code);
            files.check(skipped -> System.err.println("offerer: --send: " + skipped));
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        JoinCommand join = new JoinCommand(peer, network, pageLink);
        if (session != null && session.isEmpty() && !shortCode) {
            transcript.line("Session code: " + code);
            join.print(code, transcript);
        }
        if (!shortCode) {
            peer.warnIfPlain("offerer", code);
            peer.warnIfWeak("offerer", session == null || session.isEmpty() ? null : session);
        }
        Timing timing = new Timing();
        PeerRuntime runtime;
        try {
            // Joining takes seconds on the Mainline DHT, and as long as the DHT node takes to answer: shown too.
            try (WaitingIndicator joining = WaitingIndicator.start("offerer: joining the "
                    + (peer.mainline() ? "Mainline DHT" : "DHT"), null)) {
                runtime = PeerRuntime.start(network, options, secret, true, "offerer");
            }
        } catch (SignalingException e) {
            System.err.println("offerer: " + e.getMessage());
            return 1;
        }
        options = runtime.options();  // with the ICE servers the DHT node offered
        // The DHT node dying while we wait ends the wait at once, saying so (not after --timeout).
        NetworkLoss dhtLoss = NetworkLoss.watch(runtime.network());
        try {
            timing.ready(runtime);
            Connection connection;
            Offerer offerer;
            // A code shown to a person at a terminal waits until Ctrl-C: passing it on takes as long as it takes.
            // --timeout, when given, still bounds it; scripts and pipes keep the default limit.
            boolean untilStopped = session != null && session.isEmpty() && Terminal.stdin() && Terminal.stderr()
                    && !peer.timeoutGiven();
            WaitingIndicator waiting = untilStopped
                    ? WaitingIndicator.start("offerer: waiting for the answerer until Ctrl-C", null)
                    : WaitingIndicator.start("offerer: waiting for the answerer", options.timeout());
            if (session != null && session.isEmpty()) {
                join.checkReachable(runtime.network(), waiting::note);
            }
            KeyExchange agreed = null;
            try {
                SignalBoard board;
                boolean reusable;
                if (shortCode) {
                    agreed = shortCodeExchange(typedShort, options, runtime, join, waiting.around(transcript), untilStopped);
                    board = runtime.network().board(agreed.result().secret());
                    options = options.withSlots(1);
                    reusable = false;  // the key exchange's keys: this exchange's alone
                } else {
                    board = runtime.network().board(secret);
                    reusable = secret == null || secret.isReusable();
                }
                // Each round of a wait until Ctrl-C stores a fresh offer; the transcript says so once.
                Transcript shown = untilStopped ? onceEach(waiting.around(transcript)) : waiting.around(transcript);
                offerer = new Offerer(options, board, reusable, runtime.rtc(), runtime.timer(), shown, Clock.systemUTC());
            } catch (SignalingException e) {
                waiting.close();
                throw e;
            }
            // Registered until the end: a stop right after connecting must close the connection too.
            try (StopSignal.Registration withdrawing = StopSignal.onStop(offerer::withdraw)) {
                try {
                    connection = connect(offerer, runtime, untilStopped && agreed == null);
                } finally {
                    dhtLoss.close();
                    waiting.close();
                    if (agreed != null) {
                        agreed.release();
                    }
                }
                System.err.println("offerer: " + PathReport.connected(connection.peer()));
                try {
                    return converse(connection, transcript, timing);
                } finally {
                    offerer.awaitClearing();
                }
            }
        } catch (SignalingException e) {
            if (!StopSignal.stopping()) {
                System.err.println("offerer: " + dhtLoss.explain(e));
            }
            return 1;
        } finally {
            dhtLoss.close();
            StopSignal.closeUnlessStopping(runtime::close);
        }
    }

    /** Publishes the offer and waits for the answer; with {@code untilStopped}, round after round. */
    private static Connection connect(Offerer offerer, PeerRuntime runtime, boolean untilStopped) {
        try {
            return runtime.preparedOffer() != null ? offerer.connect(runtime.preparedOffer()) : offerer.connect();
        } catch (WaitTimedOut e) {
            if (!untilStopped) {
                throw e;
            }
        }
        while (true) {
            try {
                return offerer.connect();  // a fresh offer under the same code, good for another round
            } catch (WaitTimedOut e) {
                // Nobody yet: the person with the code may still come.
            }
        }
    }

    /** {@code transcript} with each line that was printed already left out. */
    private static Transcript onceEach(Transcript transcript) {
        java.util.Set<String> printed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return line -> {
            if (printed.add(line)) {
                transcript.line(line);
            }
        };
    }

    /** What follows connecting: the timing line if asked, then closing (--once) or the chat. */
    private int converse(Connection connection, Transcript transcript, Timing timing) {
        if (peer.reportTiming()) {
            System.err.println(timing.report());
        }
        if (peer.once()) {
            connection.close();
            System.err.println("offerer: done: greetings exchanged (--once); closing the connection");
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
     * The key exchange of a short code: claims a nameplate, prints the code and the answerer's command, and
     * waits for the answerer's reply (printing the new code if the nameplate had to change).
     */
    private KeyExchange shortCodeExchange(ShortCode typed, SignalingOptions options, PeerRuntime runtime, JoinCommand join,
                                          Transcript transcript, boolean untilStopped) {
        PakeHandshake handshake = new PakeHandshake(new BoardNameplates(runtime.network().board(null)),
                PeerOptions.handshakeSettings(options), Clock.systemUTC(), spentCodes());
        handshake.lookAheadWith(secret -> PeerOptions.lookAheadAtSession(runtime.network().board(secret)));
        // Stopped from here until the nameplate is released: the claim (or confirmation) is cleared, so that
        // an answerer does not take the claim of an offerer that is gone and wait on it.
        StopSignal.Registration withdrawing = StopSignal.onStop(handshake::withdraw);
        try {
            PakeHandshake.Claim claim = handshake.claim(typed, peer.secret());
            if (typed == null) {
                transcript.line("Session code: " + claim.code());
                join.print(claim.code().toString(), transcript);
            }
            PakeHandshake.Result result = null;
            while (result == null) {
                PakeHandshake.Claim current = claim;
                try {
                    result = handshake.awaitAnswerer(current, peer.secret());
                } catch (WaitTimedOut e) {
                    if (!untilStopped) {
                        throw e;
                    }
                    // The claim has just expired with nobody there: claim the same code again, so the one shown
                    // stays good (a code is spent only once a reply to it was tested).
                    claim = handshake.claim(current.code(), peer.secret());
                }
            }
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
}
