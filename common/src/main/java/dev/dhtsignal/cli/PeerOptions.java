package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import dev.dhtsignal.rtc.IceServer;
import dev.dhtsignal.rtc.IceTransport;
import dev.dhtsignal.signal.Rendezvous;
import dev.dhtsignal.signal.SharedSecret;
import dev.dhtsignal.signal.SignalingOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options the offerer and the answerer share. Settings the original kept in variables are options
 * here and take their defaults from environment variables of the same names.
 */
public final class PeerOptions {
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
            description = "STUN or TURN server, repeatable (env ICE_SERVERS: specs separated by spaces; "
                    + "default: none, host candidates only).")
    List<String> iceServers = new ArrayList<>();

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

    @Option(names = "--slots", paramLabel = "N", defaultValue = "" + Rendezvous.DEFAULT_SLOTS,
            description = "Offer slots per key, so several offerers can reach one 'answerer --serve' "
                    + "(both sides must agree; default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--once", description = "Exit right after the greetings instead of chatting.")
    boolean once;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail to standard error.")
    boolean verbose;

    public boolean once() {
        return once;
    }

    /** One line on standard error when signaling is plain: the promise to say so every time. */
    public static void warnIfPlain(String program, SignalingOptions options) {
        if (!options.rendezvous().sealed()) {
            System.err.println(program + ": warning: plain signaling; the SDP (IP addresses, DTLS fingerprint) is "
                    + "readable by anyone on the DHT. Use --session or --secret to seal it.");
        }
    }

    /**
     * One line on standard error when a typed session code or secret is easy to guess (see
     * {@link dev.dhtsignal.signal.SecretStrength}); codes the offerer generates are not typed.
     */
    public void warnIfWeak(String program, String typedSessionCode) {
        String warning = dev.dhtsignal.signal.SecretStrength.warning(typedSessionCode, secret);
        if (warning != null) {
            System.err.println(program + ": warning: " + warning);
        }
    }

    /** The transcript on {@code out}: one line at a time, flushed, so scripts see each line as it happens. */
    public static dev.dhtsignal.signal.Transcript transcriptOn(java.io.PrintStream out) {
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

    /** The sealed keys a short code's key exchange gave: one slot, since nobody else knows these keys. */
    public Rendezvous rendezvousAfterKeyExchange(SharedSecret agreed) {
        return Rendezvous.sealed(agreed, offerKey, answerKey, 1);
    }

    /** The configured offer and answer key names, which the nameplate keys are named after. */
    public String offerKeyName() {
        return offerKey;
    }

    public String answerKeyName() {
        return answerKey;
    }

    /** Whether the secret came from --secret or DHT_SECRET (the answerer's command must name it, not show it). */
    public boolean hasSecret() {
        return secret != null;
    }

    /** Whether {@code --network mainline} was chosen. @throws IllegalArgumentException for an unknown network */
    public boolean mainline() {
        return switch (network) {
            case "kademlia" -> false;
            case "mainline" -> true;
            default -> throw new IllegalArgumentException("--network: '" + network + "' is neither kademlia nor mainline");
        };
    }

    /** The Mainline DHT's bootstrap addresses: {@code --bootstrap}, or the well-known routers. */
    public List<InetSocketAddress> mainlineBootstrap(String program) {
        try {
            return dev.dhtsignal.dht.mainline.Routers.resolve(bootstrap, w -> System.err.println(program + ": warning: " + w));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bootstrap: " + e.getMessage());
        }
    }

    /** The command line the other side needs for the same Mainline session. */
    public String mainlineJoinHint() {
        StringBuilder sb = new StringBuilder(" --network mainline");
        for (String b : bootstrap) {
            sb.append(" --bootstrap ").append(b);
        }
        return sb.toString();
    }

    /**
     * The options of signaling over the Mainline DHT, which is always sealed: the session code (or the
     * secret) is what keys, signs and seals the items.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public dev.dhtsignal.signal.BoardOptions toBoardOptions(String greeting, String sessionCode) {
        if (!sealed(sessionCode)) {
            throw new IllegalArgumentException("--network mainline needs --session (or --secret): the session code "
                    + "keys, signs and seals the offer and answer");
        }
        List<IceServer> ice = new ArrayList<>();
        for (String spec : iceServerSpecs(iceServers, System.getenv("ICE_SERVERS"))) {
            try {
                ice.add(IceServer.parse(spec));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException((iceServers.isEmpty() ? "ICE_SERVERS: " : "--ice-server: ") + e.getMessage());
            }
        }
        if (label.isEmpty() || label.length() > 1000) {
            throw new IllegalArgumentException("--label must be 1..1000 characters");
        }
        IceTransport transport;
        try {
            transport = IceTransport.parse(iceTransport);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ice-transport: " + e.getMessage());
        }
        // A short code's secret comes from its key exchange, once the DHT is joined (BoardOptions.withSecret).
        SharedSecret shared = isShortCode(sessionCode) ? null : SharedSecret.of(sessionCode, secret);
        return new dev.dhtsignal.signal.BoardOptions(shared, label, greeting, ice, transport,
                timeout == null ? Duration.ofSeconds(180) : timeout, connectTimeout,
                pollInterval.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : pollInterval,
                Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    /**
     * Whether a {@code --session} value means a short code (its key exchange comes first): {@code ""} (make
     * a new one) or a typed one like {@code 7-guitarist-revenge}. Other values are long codes
     * ({@code K7QX-M2PD-9RTA}), which derive the keys directly, with PBKDF2, as before.
     */
    public static boolean isShortCode(String sessionCode) {
        return sessionCode != null && (sessionCode.isEmpty() || dev.dhtsignal.pake.ShortCode.looksLikeOne(sessionCode));
    }

    /**
     * The typed short code, or null for a new one to be made.
     *
     * @throws IllegalArgumentException for a typo, with a "did you mean"
     */
    public static dev.dhtsignal.pake.ShortCode typedShortCode(String sessionCode) {
        if (sessionCode.isEmpty()) {
            return null;
        }
        try {
            return dev.dhtsignal.pake.ShortCode.parse(sessionCode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--session " + e.getMessage());
        }
    }

    /** The {@code --secret} (or DHT_SECRET), mixed into a short code's password; null when there is none. */
    public String secret() {
        return secret;
    }

    /** How the key exchange of a short code waits: the same limits as the signaling that follows. */
    public static dev.dhtsignal.pake.PakeHandshake.Settings handshakeSettings(java.time.Duration timeout,
            java.time.Duration pollPause, java.time.Duration stepLimit) {
        return new dev.dhtsignal.pake.PakeHandshake.Settings(timeout, pollPause,
                pollPause.compareTo(java.time.Duration.ofMillis(200)) > 0 ? pollPause : java.time.Duration.ofMillis(200), stepLimit);
    }

    public boolean sealed(String sessionCode) {
        return sessionCode != null || secret != null;
    }

    /**
     * The options as the signaling layer takes them.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public SignalingOptions toSignalingOptions(String greeting, String sessionCode) {
        requirePositive("--timeout", timeout);
        requirePositive("--connect-timeout", connectTimeout);
        requirePositive("--poll-interval", pollInterval);
        InetSocketAddress address;
        try {
            address = Endpoints.parseAndResolve(dht);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--dht: " + e.getMessage());
        }
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
        // A short code meets under keys its key exchange gives (SignalingOptions.withRendezvous); until then the
        // rendezvous is a stand-in that is never used for values.
        Rendezvous rendezvous = isShortCode(sessionCode) ? Rendezvous.plain(offerKey, answerKey, 1)
                : sealed(sessionCode)
                ? Rendezvous.sealed(SharedSecret.of(sessionCode, secret), offerKey, answerKey, slots)
                : Rendezvous.plain(offerKey, answerKey, slots);
        SignalingOptions options = new SignalingOptions(address, rendezvous, label, greeting, ice,
                timeout == null ? SignalingOptions.DEFAULT_TIMEOUT : timeout, connectTimeout,
                pollInterval, SignalingOptions.DEFAULT_DHT_TIMEOUT, transport);
        try {
            options.rtcConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ice-transport " + transport + ": " + e.getMessage());
        }
        return options;
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
