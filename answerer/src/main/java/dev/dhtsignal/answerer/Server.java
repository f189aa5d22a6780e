package dev.dhtsignal.answerer;

import dev.dhtsignal.cli.StopSignal;
import dev.dhtsignal.signal.Answerer;
import dev.dhtsignal.signal.Connection;
import dev.dhtsignal.signal.Conversation;
import dev.dhtsignal.signal.PathReport;
import dev.dhtsignal.signal.SignalingException;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.transfer.IncomingFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code answerer --serve}: answers every offer that appears, each on its own connection and thread, and
 * prints each session's lines prefixed with {@code [session XXXXXXXX]} (the offer id's first characters).
 * Lines typed on standard input go to every open session; the end of input ends our side of every open
 * and later session, each of which then closes once its offerer has finished too. Runs until the
 * process is stopped, which closes every open session at once.
 *
 * <p>Offers beyond the {@link OfferAdmission} limits are skipped: taken off the list of offers to
 * answer, never answered, and reported on standard error once a minute at most.
 */
final class Server {
    /** How long one wait for an offer lasts before the next begins; waiting itself never ends. */
    private static final Duration WAIT_ROUND = Duration.ofHours(1);

    private final Answerer answerer;
    private final Transcript out;
    private final OfferAdmission admission;
    private final Set<Conversation> open = ConcurrentHashMap.newKeySet();
    private volatile boolean inputEnded;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService sessions = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "answerer-session-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    Server(Answerer answerer, Transcript out, OfferAdmission admission) {
        this.answerer = answerer;
        this.out = out;
        this.admission = admission;
    }

    /** Answers offers until the thread is interrupted; lines read from {@code input} go to every session. */
    void run(InputStream input) {
        StopSignal.onStop(() -> open.forEach(c -> c.connection().leave()));
        startInputBroadcast(input);
        out.line("Waiting for Offer SDP in DHT...");
        while (!Thread.currentThread().isInterrupted()) {
            Answerer.PendingOffer offer;
            try {
                offer = answerer.nextOffer(WAIT_ROUND);
            } catch (SignalingException e) {
                continue;  // a quiet hour; keep waiting
            }
            OfferAdmission.Decision decision = admission.admit();
            if (!decision.admitted()) {
                if (decision.report() != null) {
                    System.err.println("answerer: " + decision.report());
                }
                continue;
            }
            sessions.execute(() -> {
                try {
                    serve(offer);
                } finally {
                    admission.ended();
                }
            });
        }
    }

    private void serve(Answerer.PendingOffer offer) {
        Transcript session = out.prefixed("[session " + offer.tag() + "] ");
        Connection connection;
        try {
            connection = answerer.answer(offer, session);
        } catch (SignalingException e) {
            System.err.println("answerer: [session " + offer.tag() + "] " + e.getMessage());
            return;
        }
        System.err.println("answerer: [session " + offer.tag() + "] " + PathReport.connected(connection.peer()));
        Conversation conversation = Conversation.start(connection,
                line -> session.line("Received message on '" + connection.channel().label() + "': " + line),
                IncomingFiles.refusing(session::line));
        open.add(conversation);
        try {
            if (inputEnded) {
                conversation.endInput();
            }
            Conversation.End end = conversation.await();
            session.line(end == Conversation.End.CONNECTION_LOST ? "Connection lost" : "Channel closed");
        } finally {
            open.remove(conversation);
            if (!StopSignal.stopping()) {
                connection.close();
            }
        }
    }

    /** Sends each line of {@code input} to every open session; the end of input ends our side of each. */
    private void startInputBroadcast(InputStream input) {
        Thread reader = new Thread(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    for (Conversation c : open) {
                        c.send(line);
                    }
                }
            } catch (IOException e) {
                // No more input, as at its end.
            }
            inputEnded = true;
            open.forEach(Conversation::endInput);
        }, "answerer-input");
        reader.setDaemon(true);
        reader.start();
    }
}
