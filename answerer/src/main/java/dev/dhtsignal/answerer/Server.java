package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.Durations;
import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.rtc.IcePath;
import dev.dhtsignal.signal.exchange.Answerer;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Conversation;
import dev.dhtsignal.signal.exchange.PathReport;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.transfer.IncomingFiles;
import dev.dhtsignal.transfer.PeerSession;
import dev.dhtsignal.transfer.PeerText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * {@code answerer --serve}: answers every offer that appears, each on its own connection and thread, and
 * prints each session's lines prefixed with {@code [session XXXXXXXX]} (the offer id's first characters).
 * Lines typed on standard input go to every open session; the end of input ends our side of every open
 * and later session, each of which then closes once its offerer has finished too. Runs until the
 * process is stopped, which closes every open session at once.
 *
 * <p>Offers beyond the {@link OfferAdmission} limits are skipped: taken off the list of offers to
 * answer, never answered, and reported on standard error once a minute at most. An offer that finds
 * every seat taken is held (up to {@code maxHeld}, for up to a minute) until a seat frees up or one is
 * made by closing a session idle past {@code --make-room-after}. A connected session is
 * closed, with its reason told to both sides, when it has been idle for {@code idleTimeout}, when a new
 * offer needs its seat (see {@link OfferAdmission}), or when its address has its share already.
 */
final class Server {
    /** How a session ended, as its last line says it. */
    private static String ended(Conversation.End end, Conversation conversation) {
        boolean peerEnded = conversation.session().map(s -> s.peerEnded().isDone()).orElse(false);
        return switch (end) {
            case FINISHED, DONE -> "the offerer is done; session closed";
            case PEER_LEFT -> peerEnded ? "the offerer is done and left" : "the offerer left";
            case CONNECTION_LOST -> "the connection to the offerer was lost";
        };
    }

    /** How long one wait for an offer lasts before the next begins; waiting itself never ends. */
    private static final Duration WAIT_ROUND = Duration.ofHours(1);
    /** While offers are held for a seat, how often they are tried again. */
    private static final Duration RETRY = Duration.ofMillis(500);
    /** Longest an offer is held for a seat (less if it expires first): about as long as an offerer waits. */
    private static final Duration HOLD_LIMIT = Duration.ofSeconds(60);
    /** An offer id as our offerers make them: its first 8 characters, lowercase hex, are the session's tag. */
    private static final Pattern TAG = Pattern.compile("[0-9a-f]{8}");
    /** Reading the selected path is a local call; this only guards against a stalled native thread. */
    private static final Duration PATH_LIMIT = Duration.ofSeconds(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Answerer answerer;
    private final Transcript out;
    private final OfferAdmission admission;
    private final Duration idleTimeout;
    private final int maxHeld;
    /** Offers that found every seat taken, oldest first, waiting for one to free up or to be made. */
    private final Deque<Held> held = new ArrayDeque<>();
    /** Connected sessions: what the idle check, the broadcast and the stop go through. */
    private final Set<Served> open = ConcurrentHashMap.newKeySet();
    /** Tags of the sessions being answered or open: no two at once. */
    private final Set<String> tags = ConcurrentHashMap.newKeySet();
    private volatile boolean inputEnded;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService sessions = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "answerer-session-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService idleCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "answerer-idle-check");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param maxHeld offers held at most while every seat is taken (beyond, they are skipped at once); a
     *                held offer costs no WebRTC peer, only its description in memory
     */
    Server(Answerer answerer, Transcript out, OfferAdmission admission, Duration idleTimeout, int maxHeld) {
        this.answerer = answerer;
        this.out = out;
        this.admission = admission;
        this.idleTimeout = idleTimeout;
        this.maxHeld = maxHeld;
    }

    /** An offer waiting for a seat, since when (System.nanoTime). */
    private record Held(Answerer.PendingOffer offer, long since) {
    }

    /** One connected session, and why we closed it, if we did. */
    private static final class Served {
        final String tag;
        final Connection connection;
        final Conversation conversation;
        final OfferAdmission.Seat seat;
        /** When a line last went either way (System.nanoTime), for the original peers, which have no session to ask. */
        final AtomicLong lastPlainActivity;
        volatile String closedBecause;

        Served(String tag, Connection connection, Conversation conversation, OfferAdmission.Seat seat,
               AtomicLong lastPlainActivity) {
            this.tag = tag;
            this.connection = connection;
            this.conversation = conversation;
            this.seat = seat;
            this.lastPlainActivity = lastPlainActivity;
        }

        Duration idle() {
            PeerSession session = connection.session();
            return session != null ? session.idle() : Duration.ofNanos(System.nanoTime() - lastPlainActivity.get());
        }

        /**
         * Closes the session from our side: the offerer is told {@code theirReason} (when it speaks the
         * {@code peer} protocol; the original peers see the channel close), we print {@code ourReason}.
         */
        void close(String ourReason, String theirReason) {
            if (closedBecause != null) {
                return;
            }
            closedBecause = ourReason;
            PeerSession session = connection.session();
            if (session != null) {
                session.close(new PeerSession.Closing(ourReason, false), theirReason);
            } else {
                Thread closer = new Thread(connection::close, "answerer-close-" + tag);
                closer.setDaemon(true);
                closer.start();
            }
        }
    }

    /** Answers offers until the thread is interrupted; lines read from {@code input} go to every session. */
    void run(InputStream input) {
        StopSignal.onStop(() -> open.forEach(s -> s.connection.leave()));
        startInputBroadcast(input);
        long every = Math.max(50, Math.min(1_000, idleTimeout.toMillis() / 4));
        idleCheck.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
        out.line("Waiting for Offer SDP in DHT...");
        try {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    consider(answerer.nextOffer(held.isEmpty() ? WAIT_ROUND : RETRY));
                } catch (SignalingException e) {
                    // No new offer in this round; keep waiting
                }
                retryHeld();
            }
        } finally {
            idleCheck.shutdownNow();
        }
    }

    /** A new offer: answered if a seat is free or can be made, held if not yet, else skipped. */
    private void consider(Answerer.PendingOffer offer) {
        OfferAdmission.Decision decision = admission.admit();
        if (decision.admitted()) {
            start(offer, decision);
        } else if (decision.full() && held.size() < maxHeld) {
            held.addLast(new Held(offer, System.nanoTime()));
        } else {
            report(decision.full() ? admission.skip(admission.fullReason()) : decision.report());
        }
    }

    /** Held offers, oldest first, get the seats that freed up; those held too long (or expired) are skipped. */
    private void retryHeld() {
        while (!held.isEmpty()) {
            Held next = held.peekFirst();
            boolean expired = next.offer().offer().message().notLiveBecause(java.time.Instant.now()) != null;
            if (expired || System.nanoTime() - next.since() > HOLD_LIMIT.toNanos()) {
                held.removeFirst();
                report(admission.skip(admission.fullReason()));
                continue;
            }
            OfferAdmission.Decision decision = admission.admit();
            if (decision.full()) {
                return;  // still no seat: the others wait too
            }
            held.removeFirst();
            if (decision.admitted()) {
                start(next.offer(), decision);
            } else {
                report(decision.report());
            }
        }
    }

    private static void report(String line) {
        if (line != null) {
            System.err.println("answerer: " + line);
        }
    }

    /** Answers {@code offer} on a thread of its own, in the seat the decision gave it. */
    private void start(Answerer.PendingOffer offer, OfferAdmission.Decision decision) {
        if (decision.makeRoomFrom() != null) {
            makeRoom(decision.makeRoomFrom());
        }
        sessions.execute(() -> {
            try {
                serve(offer, decision.seat());
            } finally {
                admission.ended(decision.seat());
            }
        });
    }

    private void serve(Answerer.PendingOffer offer, OfferAdmission.Seat seat) {
        String tag = uniqueTag(offer.tag());
        Transcript session = out.prefixed("[session " + tag + "] ");
        Connection connection;
        try {
            connection = answerer.answer(offer, session);
        } catch (SignalingException e) {
            System.err.println("answerer: [session " + tag + "] " + PeerText.shown(e.getMessage()));
            tags.remove(tag);
            return;
        }
        System.err.println("answerer: [session " + tag + "] " + PathReport.connected(connection.peer()));
        String label = PeerText.shown(connection.channel().label());
        AtomicLong lastLine = new AtomicLong(System.nanoTime());
        Conversation conversation = Conversation.start(connection, line -> {
            lastLine.set(System.nanoTime());
            session.line("Received message on '" + label + "': " + PeerText.shown(line));
        }, IncomingFiles.refusing("not receiving files (an answerer --serve takes none)", session::line));
        Served served = new Served(tag, connection, conversation, seat, lastLine);
        open.add(served);
        try {
            String tooMany = admission.connected(seat, remoteAddress(connection), served::idle);
            if (tooMany != null) {
                served.close(tooMany, "too many sessions from your address are open at the answerer already");
            }
            if (inputEnded) {
                conversation.endInput();
            }
            Conversation.End end = conversation.await();
            session.line(ended(end, conversation));
            String closing = closing(served);
            if (closing != null) {
                System.err.println("answerer: [session " + tag + "] " + closing);
            }
        } finally {
            open.remove(served);
            tags.remove(tag);
            if (!StopSignal.stopping()) {
                connection.close();
            }
        }
    }

    /** Why the session was closed on purpose, by either side, as a line; null when it was not. */
    private static String closing(Served served) {
        PeerSession session = served.connection.session();
        if (session != null && session.closedByUs().isPresent()) {
            return "closed: " + session.closedByUs().get().toldAbout("offerer");
        }
        if (served.closedBecause != null) {
            return "closed: " + served.closedBecause;
        }
        if (session != null && session.closedByPeer().isPresent()) {
            return "the offerer closed the connection: " + PeerText.shown(session.closedByPeer().get());
        }
        return null;
    }

    /**
     * The tag that prefixes a session's lines: the offer id's first 8 characters when they are hex digits
     * and no open session has them; else 8 random hex digits, so that no offerer can print lines under
     * another session's prefix (or a prefix of its own making) by choosing its offer id.
     */
    private String uniqueTag(String offered) {
        String tag = offered;
        while (!TAG.matcher(tag).matches() || !tags.add(tag)) {
            byte[] random = new byte[4];
            RANDOM.nextBytes(random);
            tag = HexFormat.of().formatHex(random);
        }
        return tag;
    }

    /** The offerer's IP address as ICE sees it (a TURN relay's, when relayed), or "an unknown address". */
    private static String remoteAddress(Connection connection) {
        try {
            IcePath path = connection.peer().selectedPath().get(PATH_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            return path.remote().address();
        } catch (Exception e) {
            return "an unknown address";
        }
    }

    /** Closes every session idle for {@code idleTimeout}. */
    private void closeIdle() {
        for (OfferAdmission.Seat seat : admission.idleFor(idleTimeout)) {
            for (Served s : open) {
                if (s.seat == seat) {
                    String limit = Durations.format(idleTimeout);
                    s.close("no message either way for " + limit + " (--idle-timeout)",
                            "no message either way for " + limit + " (the answerer's --idle-timeout)");
                }
            }
        }
    }

    /** Closes the session of {@code seat}, idle longest, for a new offer. */
    private void makeRoom(OfferAdmission.Seat seat) {
        for (Served s : open) {
            if (s.seat == seat) {
                String idle = Durations.format(s.idle().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                s.close("to make room for a new offerer (every seat taken, this one idle longest: " + idle + ")",
                        "the answerer needed room for a new offerer, and this session was idle longest (" + idle + ")");
            }
        }
    }

    /** Sends each line of {@code input} to every open session; the end of input ends our side of each. */
    private void startInputBroadcast(InputStream input) {
        Thread reader = new Thread(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    for (Served s : open) {
                        s.lastPlainActivity.set(System.nanoTime());
                        s.conversation.send(line);
                    }
                }
            } catch (IOException e) {
                // No more input, as at its end.
            }
            inputEnded = true;
            open.forEach(s -> s.conversation.endInput());
        }, "answerer-input");
        reader.setDaemon(true);
        reader.start();
    }
}
