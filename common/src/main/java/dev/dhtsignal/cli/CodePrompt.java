package dev.dhtsignal.cli;

import dev.dhtsignal.pake.WordList;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.TerminalBuilder;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Asks for the session code on the terminal ({@code answerer --session} without a code), as magic-wormhole
 * does, with Tab completing the code's words: after {@code 7-gui} Tab gives {@code 7-guitarist-}, and Tab
 * again lists the second words. A line editor (JLine) does the terminal's part (raw mode, cursor, listing);
 * it is loaded only here, when a person is asked.
 */
public final class CodePrompt {
    private CodePrompt() {
    }

    /** Thrown when the person ended the prompt without a code (Ctrl-D), or stopped it (Ctrl-C: {@link #stopped}). */
    public static final class NoCode extends Exception {
        private final boolean stopped;

        NoCode(boolean stopped) {
            super(stopped ? "stopped" : "no session code was typed", null, false, false);
            this.stopped = stopped;
        }

        public boolean stopped() {
            return stopped;
        }
    }

    /**
     * The code typed at the prompt "Enter the session code: ", on the terminal of standard input and output.
     *
     * <p>The terminal is not closed afterwards: closing JLine's system terminal closes the stream it writes
     * through, which is descriptor 1, and the transcript that follows would go nowhere. What closing would
     * undo is undone here instead: the line editor has put the terminal's modes back when the line ended,
     * the reader's helper thread is stopped, and the signal handlers the editor took are put back (Ctrl-C at
     * the prompt is a key the editor reads; afterwards it stops the program as always).
     */
    public static String ask() throws NoCode, IOException {
        // JLine's reader takes these signals while it reads and leaves them at the system's defaults afterwards;
        // SIGINT's default then killed the JVM on Ctrl-C without its shutdown hooks (no stop, no withdrawal).
        Map<Signal, SignalHandler> before = handlers("INT", "WINCH", "CONT");
        try {
            return read();
        } finally {
            before.forEach(Signal::handle);
        }
    }

    /** The process's current handlers of these signals (those the platform knows). */
    private static Map<Signal, SignalHandler> handlers(String... names) {
        Map<Signal, SignalHandler> current = new LinkedHashMap<>();
        for (String name : names) {
            try {
                Signal signal = new Signal(name);
                // The only way to read a handler is to replace it; it goes back at once. Not with SIG_IGN: the JVM
                // installs no handler over an ignored signal, so the one read could not be put back.
                SignalHandler handler = Signal.handle(signal, SignalHandler.SIG_DFL);
                Signal.handle(signal, handler);
                current.put(signal, handler);
            } catch (IllegalArgumentException e) {
                // not a signal here, or one the JVM keeps for itself
            }
        }
        return current;
    }

    private static String read() throws NoCode, IOException {
        org.jline.terminal.Terminal terminal = TerminalBuilder.builder().system(true).nativeSignals(false)
                .signalHandler(org.jline.terminal.Terminal.SignalHandler.SIG_DFL).build();
        try {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).completer(new CodeWords())
                    .option(LineReader.Option.AUTO_LIST, true).option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .variable(LineReader.HISTORY_SIZE, 0).build();
            while (true) {
                String line = reader.readLine("Enter the session code (Tab completes the words): ").strip();
                if (!line.isEmpty()) {
                    return line;
                }
            }
        } catch (UserInterruptException e) {
            throw new NoCode(true);
        } catch (EndOfFileException e) {
            throw new NoCode(false);
        } finally {
            terminal.flush();
            terminal.reader().shutdown();
        }
    }

    /** Completes the word being typed of a code NUMBER-ODD-EVEN from the word list's right half. */
    static final class CodeWords implements Completer {
        private static final Pattern FIRST = Pattern.compile("([0-9]{1,4})-([A-Za-z]*)");
        private static final Pattern SECOND = Pattern.compile("([0-9]{1,4})-([A-Za-z]+)-([A-Za-z]*)");

        @Override
        public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
            candidates.addAll(candidates(line.word().substring(0, line.wordCursor())));
        }

        /** The completions of a typed start of a code. */
        static List<Candidate> candidates(String typed) {
            WordList words = WordList.PGP;
            Matcher first = FIRST.matcher(typed);
            if (first.matches()) {
                return words.completions(first.group(2), true).stream()
                        .map(w -> new Candidate(first.group(1) + "-" + w + "-", w, null, null, null, null, false)).toList();
            }
            Matcher second = SECOND.matcher(typed);
            if (second.matches() && words.oddIndexOf(second.group(2)) >= 0) {
                String start = second.group(1) + "-" + second.group(2).toLowerCase(java.util.Locale.ROOT) + "-";
                return words.completions(second.group(3), false).stream()
                        .map(w -> new Candidate(start + w, w, null, null, null, null, true)).toList();
            }
            return List.of();
        }
    }
}
