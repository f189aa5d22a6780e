package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.dht.mainline.BootstrapCache;
import dev.dhtsignal.dht.mainline.Routers;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.ShortCodeShape;
import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.signal.SecretStrength;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.exchange.IceDefaults;
import dev.dhtsignal.signal.exchange.SignalingOptions;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.signal.board.KademliaNetwork;
import dev.dhtsignal.signal.board.MainlineNetwork;
import dev.dhtsignal.signal.board.NetworkSettings;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The options the offerer and the answerer share. Settings the original kept in variables are options
 * here and take their defaults from environment variables of the same names.
 */
public final class PeerOptions {
    static final String DEFAULT_OFFER_KEY = "webrtc-offer";
    static final String DEFAULT_ANSWER_KEY = "webrtc-answer";

    @Option(names = "--dht", paramLabel = "HOST:PORT",
            defaultValue = "${env:DHT_SERVER_HOST:-127.0.0.1}:${env:DHT_SERVER_PORT:-8468}",
            description = "DHT node to join (env DHT_SERVER_HOST, DHT_SERVER_PORT; default: ${DEFAULT-VALUE}).")
    String dht;

    @Option(names = "--network", paramLabel = "NAME", defaultValue = "kademlia",
            description = "kademlia: the original's network, through the node given by --dht; mainline: the "
                    + "BitTorrent DHT, no server needed, with --session (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "With --network mainline: a node to join through, repeatable (default: the BitTorrent "
                    + "routers router.bittorrent.com, router.utorrent.com, dht.transmissionbt.com, port 6881).")
    List<String> bootstrap = new ArrayList<>();

    @Option(names = "--offer-key", paramLabel = "NAME", defaultValue = "${env:DHT_KEY_OFFER:-webrtc-offer}",
            description = "DHT key of the offer (env DHT_KEY_OFFER; default: ${DEFAULT-VALUE}).")
    String offerKey;

    @Option(names = "--answer-key", paramLabel = "NAME", defaultValue = "${env:DHT_KEY_ANSWER:-webrtc-answer}",
            description = "DHT key of the answer (env DHT_KEY_ANSWER; default: ${DEFAULT-VALUE}).")
    String answerKey;

    @Option(names = "--label", paramLabel = "LABEL", defaultValue = "chat",
            description = "Data channel label (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--ice-server", paramLabel = "URL[,username=U,credential=P]",
            description = "STUN or TURN server, repeatable (env ICE_SERVERS: specs separated by spaces), besides "
                    + "those the DHT node offers (its own STUN server, TURN with credentials).")
    List<String> iceServers = new ArrayList<>();

    @Option(names = "--no-default-stun",
            description = "Use no STUN server unless given: not the DHT node's own, nor (--network mainline, when "
                    + "no node offers one and none is given) the public ones, stun.l.google.com:19302 and "
                    + "stun.cloudflare.com:3478.")
    boolean noDefaultStun;

    @Option(names = "--ice-transport", paramLabel = "all|relay", defaultValue = "all",
            description = "relay: use TURN relays only, so the other peer never learns our addresses "
                    + "(default: ${DEFAULT-VALUE}).")
    String iceTransport;

    @Option(names = "--secret", paramLabel = "SECRET", defaultValue = "${env:DHT_SECRET}",
            description = "Seal the SDP with this shared secret (env DHT_SECRET, which keeps it out of 'ps').")
    String secret;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for the other peer's offer or answer (default: 60s; 180s with "
                    + "--network mainline, whose lookups take seconds; an offerer waits at most 10m).")
    Duration timeout;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "20s", description = "How long connecting and the greetings may take (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--poll-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "100ms", description = "Longest pause between two looks at the DHT; the first come faster "
            + "(default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "" + SignalingOptions.DEFAULT_SLOTS,
            description = "Offer slots per key, so several offerers can reach one 'answerer --serve' "
                    + "(both sides must agree; default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--once", description = "Exit right after the greetings instead of chatting.")
    boolean once;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail to standard error.")
    boolean verbose;

    @Option(names = "--report-timing", hidden = true,
            description = "Print how long start-up and the signaling round took, for the benchmarks.")
    boolean reportTiming;

    /** Whether the benchmarks asked for the timing line ({@code --report-timing}). */
    public boolean reportTiming() {
        return reportTiming;
    }

    /** The longest wait for one reply of a node of the original network; measured round trips shorten it. */
    private static final Duration DHT_TIMEOUT = Duration.ofSeconds(2);
    /** How long joining the Mainline DHT may take in all. */
    private static final Duration MAINLINE_JOIN_LIMIT = Duration.ofSeconds(60);

    /** Whether --timeout was given (then it bounds every wait, on a terminal too). */
    public boolean timeoutGiven() {
        return timeout != null;
    }

    public boolean once() {
        return once;
    }

    /** Whether signaling is sealed: a session code or a secret was given. */
    public boolean sealed(String sessionCode) {
        return sessionCode != null || secret != null;
    }

    /** One line on standard error when signaling is plain: the promise to say so every time. */
    public void warnIfPlain(String program, String sessionCode) {
        if (!sealed(sessionCode)) {
            System.err.println(program + ": warning: plain signaling; the SDP (IP addresses, DTLS fingerprint) is "
                    + "readable by anyone on the DHT. Use --session or --secret to seal it.");
        }
    }

    /**
     * One line on standard error when a typed session code or secret is easy to guess (see
     * {@link SecretStrength}); codes the offerer generates are not typed.
     */
    public void warnIfWeak(String program, String typedSessionCode) {
        String warning = SecretStrength.warning(typedSessionCode, secret);
        if (warning != null) {
            System.err.println(program + ": warning: " + warning);
        }
    }

    /** The transcript on {@code out}: one line at a time, flushed, so scripts see each line as it happens. */
    public static Transcript transcriptOn(PrintStream out) {
        return line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        };
    }

    /**
     * The offerer's {@code --timeout} is the lifetime of what it writes (its offer, a short code's claim), and
     * readers believe no lifetime longer than {@link dev.dhtsignal.signal.SignalMessage#LONGEST_WAIT} (so that a
     * forged value with an expiry far ahead cannot hold a slot or a nameplate): a longer wait is refused.
     *
     * @throws IllegalArgumentException for a longer {@code --timeout}
     */
    public void requireOffererTimeoutWithinLimit() {
        java.time.Duration longest = dev.dhtsignal.signal.SignalMessage.LONGEST_WAIT;
        if (timeout != null && timeout.compareTo(longest) > 0) {
            throw new IllegalArgumentException("--timeout " + Durations.format(timeout) + " is too long: an offerer waits at most "
                    + Durations.format(longest) + " (the other side believes no offer or claim that says it lives longer)");
        }
    }

    /** A duration option, when given (some default to a value computed later), must be more than zero. */
    private static void requirePositive(String option, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException(option + " must be longer than 0s, got " + Durations.format(d));
        }
    }

    /** Whether the secret came from --secret or DHT_SECRET (the answerer's command must name it, not show it). */
    public boolean hasSecret() {
        return secret != null;
    }

    /** The {@code --secret} (or DHT_SECRET), mixed into a short code's password; null when there is none. */
    public String secret() {
        return secret;
    }

    /** Whether {@code --network mainline} was chosen. @throws IllegalArgumentException for an unknown network */
    public boolean mainline() {
        return switch (network) {
            case "kademlia" -> false;
            case "mainline" -> true;
            default -> throw new IllegalArgumentException("--network: '" + network + "' is neither kademlia nor mainline");
        };
    }

    /**
     * The network to join, as the options name it.
     *
     * @param sessionCode the --session value, or null: the Mainline DHT needs one (or a secret)
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public NetworkSettings network(String program, String sessionCode) {
        requirePositive("--poll-interval", pollInterval);
        if (mainline()) {
            if (!sealed(sessionCode)) {
                throw new IllegalArgumentException("--network mainline needs --session (or --secret): the session code "
                        + "keys, signs and seals the offer and answer");
            }
            Consumer<String> warn = w -> System.err.println(program + ": warning: " + w);
            if (bootstrap.isEmpty()) {
                // The nodes kept from the last run first; the routers (resolved only then) if too few answer.
                return new MainlineNetwork.Settings(List.of(), () -> Routers.resolve(List.of(), warn),
                        BootstrapCache.forUser(warn), MAINLINE_JOIN_LIMIT);
            }
            try {
                return new MainlineNetwork.Settings(Routers.resolve(bootstrap, warn), MAINLINE_JOIN_LIMIT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--bootstrap: " + e.getMessage());
            }
        }
        if (!bootstrap.isEmpty()) {
            throw new IllegalArgumentException("--bootstrap goes with --network mainline; the original network is "
                    + "joined through --dht");
        }
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(dht);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--dht: " + e.getMessage());
        }
        if (offerKey.equals(answerKey)) {
            throw new IllegalArgumentException("--offer-key and --answer-key must differ, both are '" + offerKey + "'");
        }
        return new KademliaNetwork.Settings(address, DHT_TIMEOUT, pollInterval, offerKey, answerKey);
    }

    /**
     * How the exchange runs on {@code network}.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public SignalingOptions signaling(String greeting, NetworkSettings network) {
        requirePositive("--timeout", timeout);
        requirePositive("--connect-timeout", connectTimeout);
        List<IceServer> ice = new ArrayList<>();
        for (String spec : iceServerSpecs(iceServers, System.getenv("ICE_SERVERS"))) {
            try {
                ice.add(IceServer.parse(spec));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException((iceServers.isEmpty() ? "ICE_SERVERS: " : "--ice-server: ") + e.getMessage());
            }
        }
        IceTransport transport;
        try {
            transport = IceTransport.parse(iceTransport);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ice-transport: " + e.getMessage());
        }
        if (label.isEmpty() || label.length() > 1000) {
            throw new IllegalArgumentException("--label must be 1..1000 characters");
        }
        SignalingOptions options;
        try {
            options = new SignalingOptions(slots, label, greeting, ice, transport,
                    timeout == null ? network.pace().defaultTimeout() : timeout, connectTimeout, network.pace(),
                    iceDefaults(network), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--slots: " + e.getMessage());
        }
        // Relay-only ICE needs a TURN server. One the node hands out is known only once joined (then
        // PeerRuntime checks); without a node to ask it must be given.
        boolean nodeToAsk = network instanceof KademliaNetwork.Settings
                || network instanceof MainlineNetwork.Settings m && m.askForIceServers();
        if (!nodeToAsk) {
            try {
                options.rtcConfig();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ice-transport " + transport + ": " + e.getMessage());
            }
        }
        return options;
    }

    /**
     * The STUN servers used without being given: the node's own STUN server, and on the Mainline DHT, when no
     * node offers one, public ones; none with --no-default-stun.
     */
    private IceDefaults iceDefaults(NetworkSettings network) {
        if (noDefaultStun) {
            return IceDefaults.NONE;
        }
        return new IceDefaults(true, network instanceof MainlineNetwork.Settings ? IceDefaults.PUBLIC_STUN : List.of());
    }

    /**
     * The secret a long code (or --secret) gives, whose keys take a moment to derive; null for plain
     * signaling and for a short code (its key exchange gives the secret later).
     *
     * @throws IllegalArgumentException for a short code gone wrong ({@code 90-travesty}): taken as a long
     *         code, it would only fail when the wait ran out
     */
    public SharedSecret sharedSecret(String sessionCode) {
        if (isShortCode(sessionCode) || !sealed(sessionCode)) {
            return null;
        }
        if (sessionCode != null) {
            ShortCodeShape.problem(sessionCode).ifPresent(problem -> {
                throw new IllegalArgumentException("--session " + problem);
            });
        }
        return SharedSecret.of(sessionCode, secret);
    }

    /**
     * Whether a {@code --session} value means a short code (its key exchange comes first): {@code ""} (make
     * a new one) or a typed one like {@code 7-guitarist-revenge}. Other values are long codes
     * ({@code K7QX-M2PD-9RTA}), which derive the keys directly, with PBKDF2.
     */
    public static boolean isShortCode(String sessionCode) {
        return sessionCode != null && (sessionCode.isEmpty() || ShortCode.looksLikeOne(sessionCode));
    }

    /**
     * The typed short code, or null for a new one to be made.
     *
     * @throws IllegalArgumentException for a typo, with a "did you mean"
     */
    public static ShortCode typedShortCode(String sessionCode) {
        if (sessionCode.isEmpty()) {
            return null;
        }
        try {
            return ShortCode.parse(sessionCode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--session " + e.getMessage());
        }
    }

    /**
     * How long an offerer lets its claim settle before reading it back: time for the write of an offerer that
     * picked the same nameplate at the same moment to land (a write is one round trip to the nodes once
     * their place is known). It was the poll interval, a second on either network, which every short code
     * paid before it was shown.
     */
    static final Duration CLAIM_SETTLE = Duration.ofMillis(300);

    /**
     * How the key exchange of a short code waits: the limits of the signaling that follows, and looks at the
     * other side's key twice as often (a side looks at its own key only every few looks, so the nodes near a
     * nameplate get no more packets than the signaling's own waits give them).
     */
    public static PakeHandshake.Settings handshakeSettings(SignalingOptions options) {
        Duration pause = options.pace().longestPause().dividedBy(2);
        return new PakeHandshake.Settings(options.timeout(), pause, CLAIM_SETTLE, options.pace().stepLimit());
    }

    /**
     * Starts the lookups of a short code's session (its one offer slot and answer) while the key exchange is
     * still being confirmed: on the Mainline DHT they are traversals, which then need not wait for it.
     */
    public static void lookAheadAtSession(dev.dhtsignal.signal.board.SignalBoard session) {
        session.lookAhead(dev.dhtsignal.signal.board.BoardName.offer(0));
        session.lookAhead(dev.dhtsignal.signal.board.BoardName.answer(0));
    }

    /**
     * What the other side adds to its command to reach the same network: {@code --network mainline} and
     * the bootstrap addresses given, or nothing (the original network's --dht is added by the caller, as
     * an address the other machine can reach).
     */
    public String networkArguments() {
        if (!"mainline".equals(network)) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" --network mainline");
        for (String b : bootstrap) {
            // A node of ours on this machine is, for the other machine, at this machine's address.
            sb.append(" --bootstrap ").append(Shell.quote(ReachableAddress.ofText(b)));
        }
        return sb.toString();
    }

    /**
     * The ICE servers: those given with --ice-server, or else those in the environment variable ICE_SERVERS
     * (specs separated by white space; a spec itself has none).
     */
    static List<String> iceServerSpecs(List<String> options, String environment) {
        if (!options.isEmpty() || environment == null || environment.isBlank()) {
            return options;
        }
        return List.of(environment.strip().split("\\s+"));
    }
}
