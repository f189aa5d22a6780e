package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.Cli;
import dev.dhtsignal.cli.ConnectedPeer;
import dev.dhtsignal.cli.DurationConverter;
import dev.dhtsignal.cli.NetworkLoss;
import dev.dhtsignal.cli.PeerOptions;
import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.cli.Timing;
import dev.dhtsignal.cli.TransferOptions;
import dev.dhtsignal.cli.VersionProvider;
import dev.dhtsignal.cli.WaitingIndicator;
import dev.dhtsignal.pake.BoardNameplates;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.Spake2;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.signal.exchange.Answerer;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.PathReport;
import dev.dhtsignal.signal.exchange.PeerRuntime;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.signal.board.NetworkSettings;
import dev.dhtsignal.signal.board.SignalBoard;

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
                + "the chat goes on until the offerer has finished too. Files the offerer offers are taken when the person at the terminal says yes (--yes or --receive take them unasked); --send sends files and directories, --text one message.",
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

    @Option(names = "--session", paramLabel = "CODE", arity = "0..1", fallbackValue = "",
            description = "Meet the offerer with the session code it printed, sealed; on a terminal, without CODE, "
                    + "it is asked for, and Tab completes its words. A short code (a number and "
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
            description = "With --serve: at most N sessions at once; an offer beyond waits up to a minute for a "
                    + "seat (see --make-room-after), then is skipped, not answered (default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--max-offers-per-minute", paramLabel = "N", defaultValue = "30",
            description = "With --serve: answer at most N new offers in any minute; offers beyond are skipped, "
                    + "not answered, and counted in one line a minute on standard error (default: ${DEFAULT-VALUE}).")
    int maxOffersPerMinute;

    @Option(names = "--max-peers-per-address", paramLabel = "N",
            description = "With --serve: at most N connected sessions from one address (the offerer's end of the "
                    + "connection; a TURN relay's when relayed); one more is closed once connected "
                    + "(default: a quarter of --max-peers, at least 1).")
    Integer maxPeersPerAddress;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
            description = "With --serve: close a session after this long without a message either way, telling "
                    + "its offerer why (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--make-room-after", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30s",
            description = "With --serve: when --max-peers sessions are open, a new offer still gets in by closing "
                    + "the session idle longest, if it has been idle this long (default: ${DEFAULT-VALUE}).")
    Duration makeRoomAfter;

    private final PrintStream out;

    AnswererCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        Cli.runPeer("answerer", () -> new AnswererCommand(System.out), args);
    }

    @Override
    public Integer call() {
        if (session != null && session.isEmpty() && dev.dhtsignal.cli.Terminal.stdin() && dev.dhtsignal.cli.Terminal.stdout()) {
            session = askForTheCode();
            if (session == null) {
                return 130;  // Ctrl-C at the prompt
            }
        }
        boolean shortCode = PeerOptions.isShortCode(session);
        if (shortCode) {
            Spake2.warmUpInBackground("answerer");  // while WebRTC loads and the DHT is joined
        }
        ShortCode code;
        NetworkSettings network;
        SignalingOptions options;
        SharedSecret secret;
        try {
            if (session != null && session.isEmpty()) {
                throw new IllegalArgumentException("--session needs the code the offerer printed (asked for only on a "
                        + "terminal)");
            }
            code = shortCode ? PeerOptions.typedShortCode(session) : null;
            if (shortCode && serve) {
                throw new IllegalArgumentException("--serve needs a long code (like K7QX-M2PD-9RTA; offerer --session "
                        + "--long-code makes one) or --secret: a short code such as " + session + " is good for one "
                        + "connection only");
            }
            network = peer.network("answerer", session);
            options = peer.signaling(message, network);
            secret = peer.sharedSecret(session);
            files.check(skipped -> System.err.println("answerer: --send: " + skipped));
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
            admission = new OfferAdmission(maxPeers, maxOffersPerMinute, maxPeersPerAddress != null ? maxPeersPerAddress
                    : OfferAdmission.defaultPerAddress(maxPeers), makeRoomAfter, Clock.systemUTC());
            if (idleTimeout.isZero() || idleTimeout.isNegative()) {
                throw new IllegalArgumentException("--idle-timeout must be longer than 0s");
            }
        } catch (IllegalArgumentException e) {
            throw Cli.usage(this, "--max-peers, --max-offers-per-minute, --max-peers-per-address, --idle-timeout: "
                    + e.getMessage());
        }
        Transcript transcript = PeerOptions.transcriptOn(out);
        if (!shortCode) {
            peer.warnIfPlain("answerer", session);
            peer.warnIfWeak("answerer", session);
        }
        Timing timing = new Timing();
        PeerRuntime runtime;
        try {
            // Joining takes seconds on the Mainline DHT, and as long as the DHT node takes to answer: shown too.
            try (WaitingIndicator joining = WaitingIndicator.start("answerer: joining the "
                    + (peer.mainline() ? "Mainline DHT" : "DHT"), null)) {
                runtime = PeerRuntime.start(network, options, secret, false, "answerer");
            }
        } catch (SignalingException e) {
            System.err.println("answerer: " + e.getMessage());
            return 1;
        }
        options = runtime.options();  // with the ICE servers the DHT node offered
        // The DHT node dying while we wait for an offer ends the wait at once, saying so (not after --timeout).
        NetworkLoss dhtLoss = serve ? null : NetworkLoss.watch(runtime.network());
        try {
            timing.ready(runtime);
            if (serve) {
                Answerer answerer = new Answerer(options, runtime.network().board(secret), runtime.rtc(), runtime.timer(),
                        Clock.systemUTC());
                try (StopSignal.Registration withdrawing = StopSignal.onStop(answerer::withdraw)) {
                    new Server(answerer, transcript, admission, idleTimeout, maxPeers).run(System.in);
                    return 0;
                }
            }
            transcript.line("Waiting for Offer SDP in DHT...");
            Connection connection;
            try (WaitingIndicator waiting = WaitingIndicator.start("answerer: waiting for an offer", options.timeout())) {
                Transcript shown = waiting.around(transcript);
                if (code != null) {
                    connection = afterKeyExchange(code, options, runtime, shown, waiting);
                } else {
                    connection = answer(options, runtime.network().board(secret), runtime, shown, waiting);
                }
            } finally {
                if (dhtLoss != null) {
                    dhtLoss.close();
                }
            }
            System.err.println("answerer: " + PathReport.connected(connection.peer()));
            if (peer.reportTiming()) {
                System.err.println(timing.report());
            }
            return chat(connection, options.label(), transcript);
        } catch (SignalingException e) {
            if (!StopSignal.stopping()) {
                System.err.println("answerer: " + (dhtLoss != null ? dhtLoss.explain(e) : e.getMessage()));
            }
            return 1;
        } finally {
            if (dhtLoss != null) {
                dhtLoss.close();
            }
            StopSignal.closeUnlessStopping(runtime::close);
        }
    }

    /**
     * {@code --session} without a code on a terminal: the code, asked for with Tab completing its words; null
     * when the person pressed Ctrl-C.
     */
    private String askForTheCode() {
        try {
            return dev.dhtsignal.cli.CodePrompt.ask();
        } catch (dev.dhtsignal.cli.CodePrompt.NoCode e) {
            if (e.stopped()) {
                return null;
            }
            throw Cli.usage(this, "--session: no code was typed; give the code the offerer printed");
        } catch (java.io.IOException e) {
            throw Cli.usage(this, "--session: cannot ask for the code on this terminal (" + e.getMessage()
                    + "); give it after --session");
        }
    }

    /** The key exchange of a short code first; the sealed offer is then looked for under the keys it gave. */
    private Connection afterKeyExchange(ShortCode code, SignalingOptions options, PeerRuntime runtime, Transcript shown,
                                        WaitingIndicator waiting) {
        PakeHandshake handshake = new PakeHandshake(new BoardNameplates(runtime.network().board(null)),
                PeerOptions.handshakeSettings(options), Clock.systemUTC(), spentCodes());
        handshake.lookAheadWith(secret -> PeerOptions.lookAheadAtSession(runtime.network().board(secret)));
        // Stopped during the key exchange or the signaling after it: our reply is cleared from the nameplate.
        try (StopSignal.Registration withdrawingReply = StopSignal.onStop(handshake::withdraw)) {
            PakeHandshake.Result agreed = handshake.join(code, peer.secret());
            try {
                return answer(options.withSlots(1), runtime.network().board(agreed.secret()), runtime, shown, waiting);
            } finally {
                handshake.release();
            }
        }
    }

    /** Answers offers on {@code board} until one connects or the time runs out. */
    private static Connection answer(SignalingOptions options, SignalBoard board, PeerRuntime runtime, Transcript shown,
                                     WaitingIndicator waiting) {
        Answerer answerer = new Answerer(options, board, runtime.rtc(), runtime.timer(), Clock.systemUTC());
        try (StopSignal.Registration withdrawing = StopSignal.onStop(answerer::withdraw)) {
            return answerer.connectToFirstWorkingOffer(shown, line -> waiting.note("answerer: " + line));
        } catch (SignalingException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no offer appeared")) {
                throw new SignalingException(e.getMessage() + "; " + whatElse(board), e);
            }
            throw e;
        }
    }

    /** What to check when no offer came: the likeliest causes first. */
    private static String whatElse(SignalBoard board) {
        String code = board.sealed()
                ? "check the code (or secret): it must be the one the offerer printed or was given; "
                : "check the keys (--offer-key, DHT_KEY_OFFER) match the offerer's; ";
        return code + "check that the offerer is running, within its --timeout, and joined the same DHT ("
                + (board.where().startsWith("the Mainline") ? "--network mainline, --bootstrap" : "--dht") + ")";
    }

    /** The conversation once connected: standard input out, messages in, files if asked. */
    private int chat(Connection connection, String label, Transcript transcript) {
        if (peer.once()) {
            // Done after the greetings, whatever the offerer does next (an interactive one never ends its side).
            connection.close();
            System.err.println("answerer: done: greetings exchanged (--once); closing the connection");
            return 0;
        }
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return new ConnectedPeer("answerer", "offerer", "Received message on '" + label + "': ", transcript, files)
                .run(connection, stdin);
    }

    /** The short codes this user has tried already: a failure to read or write them is a warning, never a stop. */
    private static SpentCodes spentCodes() {
        return SpentCodes.forUser(warning -> System.err.println("answerer: warning: " + warning));
    }
}
