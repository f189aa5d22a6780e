package dev.dhtsignal.cli;

import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Conversation;
import dev.dhtsignal.transfer.Consent;
import dev.dhtsignal.transfer.FileSender;
import dev.dhtsignal.transfer.IncomingFiles;
import dev.dhtsignal.transfer.PeerSession;
import dev.dhtsignal.transfer.PeerText;
import dev.dhtsignal.transfer.TransferProgress;
import java.io.BufferedReader;
import java.util.concurrent.CompletableFuture;

/**
 * A peer program after the greetings. It chats (lines from standard input out, received lines to standard
 * output) and, when the other side offers files, asks whether to take them; or it only sends
 * ({@code --send}, {@code --text}) and leaves once that is delivered; or it only receives ({@code --receive},
 * {@code --yes}). It runs until both sides have finished, the other side leaves, or our own work is done;
 * then says how it ended and picks the exit code. Stopping it (Ctrl-C) closes the channels at once, so the
 * other side hears of it, and keeps what arrived of a file still coming for a resume.
 */
public final class ConnectedPeer {
    private final String program;
    private final String other;
    private final String receivedPrefix;
    private final Transcript out;
    private final TransferOptions files;
    /** What the stop handler asks how far the file being sent got; set once sending starts. */
    private volatile FileSender sender;

    /**
     * @param program        "offerer", the prefix of messages on standard error
     * @param other          "answerer", the other side as messages name it
     * @param receivedPrefix printed before each received line, e.g. "Received message from Peer B: "
     */
    public ConnectedPeer(String program, String other, String receivedPrefix, Transcript out, TransferOptions files) {
        this.program = program;
        this.other = other;
        this.receivedPrefix = receivedPrefix;
        this.out = out;
        this.files = files;
    }

    /**
     * Runs until the end and closes the connection.
     *
     * @param input standard input: chat lines, and the answers to questions about offered files
     * @return the exit code: 0 when everything of ours was delivered, 1 when something was not
     */
    public int run(Connection connection, BufferedReader input) {
        InputLines lines = new InputLines(input);
        Consent consent = files.acceptUnasked() ? Consent.ALWAYS
                : AskingConsent.forTerminal(program, other, files.directory(), lines);
        IncomingFiles incoming = IncomingFiles.receiving(files.directory(), files.force(), files.allowHidden(),
                files.limits(), consent, ConnectedPeer::progress, out::line);
        // Known once started; a text can arrive while it starts (kept messages are handled then).
        CompletableFuture<Conversation> started = new CompletableFuture<>();
        if (connection.session() != null) {
            connection.session().onText(text -> {
                // A text sent alone is printed by itself, line by line, and there is no chat after it.
                text.lines().forEach(l -> out.line(PeerText.shown(l)));
                started.thenAccept(Conversation::endInput);
            });
        }
        // What the other side sends is shown with its controls replaced: it must not drive our terminal.
        Conversation conversation = Conversation.start(connection, line -> out.line(receivedPrefix + PeerText.shown(line)),
                incoming);
        started.complete(conversation);
        CompletableFuture<Integer> sending = CompletableFuture.completedFuture(0);
        try (StopSignal.Registration ignored = StopSignal.onStop(() -> leave(connection, incoming))) {
            if (files.sendOnly()) {
                if (conversation.session().isEmpty()) {
                    connection.close();
                    System.err.println(program + ": the " + other + " cannot receive " + (files.text() != null ? "a text"
                            : "files") + " (it speaks only the original chat); nothing was sent");
                    return 1;
                }
                sending = startSending(conversation, connection);
            } else if (files.receiveOnly()) {
                conversation.endInput();
            } else {
                lines.chat(line -> {
                    if (!conversation.inputEnded()) {
                        conversation.send(line);
                    }
                }, conversation::endInput);
                // A person at this end should know the other has finished typing and waits for them; not when
                // the other only sent files (--send), which ends its side as it leaves ("is done and left").
                conversation.session().ifPresent(s -> s.peerEnded().thenRun(() -> {
                    if (!conversation.inputEnded() && !incoming.offered()) {
                        System.err.println(program + ": the " + other + " closed the chat (it sends nothing more); "
                                + "end yours with Ctrl-D");
                    }
                }));
            }
            // A side that only sends is done once its files and text are settled: it need not wait for the other
            // side to end (a person chatting there, the web page), only for files coming our way to settle.
            CompletableFuture<?> doneEarly = files.sendOnly() ? conversation.session().get().ourSideDone()
                    .thenCombine(sending, (a, b) -> b) : new CompletableFuture<>();
            Conversation.End end = conversation.await(doneEarly, incoming::busy);
            String closing = closing(conversation);
            if (end != Conversation.End.FINISHED && end != Conversation.End.DONE) {
                incoming.abort(closing != null ? "the connection was closed"
                        : end == Conversation.End.PEER_LEFT ? "the " + other + " left" : "the connection was lost");
            }
            int notSent = sending.join();
            int notKept = incoming.failures().size();
            long undelivered = conversation.undeliveredLines();
            if (StopSignal.stopping()) {
                return 1;  // the stop's own messages say what happened
            }
            connection.close();
            boolean peerEnded = conversation.session().map(s -> s.peerEnded().isDone()).orElse(false);
            if (closing != null) {
                System.err.println(program + ": " + closing);
            } else if (end == Conversation.End.DONE || end == Conversation.End.FINISHED && files.sendOnly()) {
                System.err.println(program + ": done: " + (files.text() != null ? "the text was delivered"
                        : notSent == 0 ? "everything was delivered" : "the transfer is over") + "; closing the connection");
            } else if (end == Conversation.End.PEER_LEFT) {
                System.err.println(program + ": " + (conversation.session().isEmpty() ? "the " + other + " closed the chat"
                        : peerEnded ? "the " + other + " is done and left" : "the " + other + " left"));
            } else if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println(program + ": the connection to the " + other + " was lost");
            }
            boolean nothingCame = files.receiveOnly() && !incoming.offered() && closing == null;
            if (nothingCame) {
                System.err.println(program + ": the " + other + " sent no file; it sends with --send FILE (if it ran "
                        + "with --receive too, neither side had anything to send)");
            }
            if (undelivered > 0) {
                System.err.println(program + ": " + undelivered + (undelivered == 1 ? " line was" : " lines were")
                        + " not delivered");
            }
            boolean fine = notSent == 0 && notKept == 0 && undelivered == 0 && !nothingCame && closing == null
                    && end != Conversation.End.CONNECTION_LOST;
            return fine ? 0 : 1;
        }
    }

    /** Sends the files or the text on a thread of its own; completes with how many files were not delivered. */
    private CompletableFuture<Integer> startSending(Conversation conversation, Connection connection) {
        PeerSession session = conversation.session().orElseThrow();
        CompletableFuture<Void> gone = CompletableFuture.anyOf(session.channel().closed(),
                connection.channel().closed(), connection.peer().ended()).thenApply(x -> null);
        if (files.text() != null) {
            session.sendText(files.text());
            conversation.endInput();
            return CompletableFuture.completedFuture(0);
        }
        FileSender sender = new FileSender(session, gone, ConnectedPeer::progress, out::line,
                failure -> System.err.println(program + ": " + failure));
        this.sender = sender;
        return CompletableFuture.supplyAsync(() -> {
            try {
                return sender.sendAll(files.sending());
            } finally {
                conversation.endInput();
            }
        }, runnable -> {
            Thread t = new Thread(runnable, "file-sender");
            t.setDaemon(true);
            t.start();
        });
    }

    /** A progress display on the terminal's live line (nothing elsewhere). */
    private static TransferProgress progress(String name, long size) {
        return new TransferProgress(StatusLine.live(), name, size, System::nanoTime);
    }

    /**
     * Why one side closed the conversation on purpose (a limit broken, a {@code close} from the other side),
     * as a line to print; null when neither did.
     */
    private String closing(Conversation conversation) {
        return conversation.session().map(s -> s.closedByUs().map(c -> "closed: " + c.toldAbout(other))
                .orElseGet(() -> s.closedByPeer().map(r -> "the " + other + " closed the connection: "
                        + PeerText.shown(r)).orElse(null))).orElse(null);
    }

    /**
     * On Ctrl-C or SIGTERM: the other side learns at once that we left; a file coming in keeps what arrived
     * (for a resume) or is deleted.
     */
    private void leave(Connection connection, IncomingFiles incoming) {
        FileSender s = sender;
        String sent = s == null ? null : s.inProgress();
        if (sent != null) {
            System.err.println(program + ": stopped; " + sent + ", not delivered");
        }
        incoming.abort("stopped");
        connection.leave();
    }
}
