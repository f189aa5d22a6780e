package dev.dhtsignal.cli;

import dev.dhtsignal.signal.exchange.Connection;
import dev.dhtsignal.signal.exchange.Conversation;
import dev.dhtsignal.signal.Transcript;
import dev.dhtsignal.transfer.FileSender;
import dev.dhtsignal.transfer.IncomingFiles;
import dev.dhtsignal.transfer.PeerSession;
import dev.dhtsignal.transfer.PeerText;
import dev.dhtsignal.transfer.TransferProgress;
import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * A peer program after the greetings: chats (lines from standard input out, received lines to standard
 * output) or sends and receives files, until both sides have finished or the other side leaves; then
 * says how it ended and picks the exit code. Stopping it (Ctrl-C) closes the channels at once, so the
 * other side hears of it, and deletes a file still coming in.
 */
public final class ConnectedPeer {
    private final String program;
    private final String other;
    private final String receivedPrefix;
    private final Transcript out;
    private final TransferOptions files;

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
     * @param input chat lines to send, or null to send none (the end of our side comes at once)
     * @return the exit code: 0 when everything of ours was delivered, 1 when something was not
     */
    public int run(Connection connection, BufferedReader input) {
        BiFunction<String, Long, TransferProgress> progress = (name, size) ->
                new TransferProgress(System.err, Terminal.stderr(), name, size, System::nanoTime);
        IncomingFiles incoming = files.receive() != null
                ? IncomingFiles.into(files.receive(), files.force(), files.limits(), progress, out::line)
                : IncomingFiles.refusing(out::line);
        // What the other side sends is shown with its controls replaced: it must not drive our terminal.
        Conversation conversation = Conversation.start(connection, line -> out.line(receivedPrefix + PeerText.shown(line)),
                incoming);
        CompletableFuture<List<String>> sending = CompletableFuture.completedFuture(List.of());
        FileSender[] sender = new FileSender[1];
        try (StopSignal.Registration ignored = StopSignal.onStop(() -> leave(connection, incoming, sender[0]))) {
            if (!files.send().isEmpty()) {
                if (conversation.session().isEmpty()) {
                    connection.close();
                    System.err.println(program + ": the " + other + " cannot receive files (it speaks only the "
                            + "original chat); nothing was sent");
                    return 1;
                }
                PeerSession session = conversation.session().get();
                CompletableFuture<Void> gone = CompletableFuture.anyOf(session.channel().closed(),
                        connection.channel().closed(), connection.peer().ended()).thenApply(x -> null);
                sender[0] = new FileSender(session, gone, progress, out::line);
                sending = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sender[0].sendAll(files.send());
                    } finally {
                        conversation.endInput();
                    }
                }, runnable -> {
                    Thread t = new Thread(runnable, "file-sender");
                    t.setDaemon(true);
                    t.start();
                });
            } else if (input == null || files.transferring()) {
                conversation.endInput();
            } else {
                conversation.sendLinesOf(input);
                // A person at this end should know the other has finished typing and waits for them.
                conversation.session().ifPresent(s -> s.peerEnded().thenRun(() -> {
                    if (!conversation.inputEnded()) {
                        System.err.println(program + ": the " + other + " closed the chat (it sends nothing more); "
                                + "end yours with Ctrl-D");
                    }
                }));
            }
            Conversation.End end = conversation.await();
            List<String> problems = new ArrayList<>();
            String closing = closing(conversation);
            if (end != Conversation.End.FINISHED) {
                incoming.abort(closing != null ? "the connection was closed"
                        : end == Conversation.End.PEER_LEFT ? "the " + other + " left" : "the connection was lost");
            }
            problems.addAll(sending.join());
            problems.addAll(incoming.failures());
            long undelivered = conversation.undeliveredLines();
            if (StopSignal.stopping()) {
                return 1;  // the stop's own messages say what happened
            }
            connection.close();
            if (closing != null) {
                System.err.println(program + ": " + closing);
            } else if (end == Conversation.End.PEER_LEFT) {
                System.err.println(program + ": " + (conversation.session().isPresent()
                        ? "the " + other + " left" : "the " + other + " closed the chat"));
            } else if (end == Conversation.End.CONNECTION_LOST) {
                System.err.println(program + ": the connection to the " + other + " was lost");
            }
            if (undelivered > 0) {
                problems.add(undelivered + (undelivered == 1 ? " line was" : " lines were") + " not delivered");
            }
            for (String problem : problems) {
                System.err.println(program + ": " + problem);
            }
            return problems.isEmpty() && closing == null && end != Conversation.End.CONNECTION_LOST ? 0 : 1;
        }
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

    /** On Ctrl-C or SIGTERM: the other side learns at once that we left; a file coming in is deleted. */
    private void leave(Connection connection, IncomingFiles incoming, FileSender sender) {
        String sent = sender == null ? null : sender.inProgress();
        if (sent != null) {
            System.err.println(program + ": stopped; " + sent + ", not delivered");
        }
        incoming.abort("stopped");
        connection.leave();
    }
}
