package dev.dhtsignal.cli;

import dev.dhtsignal.transfer.Consent;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Consent as magic-wormhole asks it: "Receive holiday.tar (286.1 MiB) from the offerer into ./? [y/N]" on
 * the terminal, and the person's next line answers. Without a terminal on standard input nobody can be
 * asked, and offers are refused, saying how to take them.
 */
public final class AskingConsent implements Consent {
    private final String program;
    private final String other;
    private final Path directory;
    private final InputLines input;

    /**
     * @param program "answerer", who refuses, as the other side is told
     * @param other   "offerer", who offers, as the question names it
     */
    public AskingConsent(String program, String other, Path directory, InputLines input) {
        this.program = program;
        this.other = other;
        this.directory = directory;
        this.input = input;
    }

    /** The consent for this program: asking when standard input is a terminal, refusing when it is not. */
    public static Consent forTerminal(String program, String other, Path directory, InputLines input) {
        if (Terminal.stdin()) {
            return new AskingConsent(program, other, directory, input);
        }
        return (offer, answer) -> answer.accept("the " + program + " has no terminal to ask on (its standard input "
                + "is not one); it takes files unasked with --yes or --receive DIR");
    }

    @Override
    public void decide(Offer offer, Consumer<String> answer) {
        String where = directory.toString().equals(".") ? "./" : directory + (directory.toString().endsWith("/") ? "" : "/");
        StatusLine status = StatusLine.install();
        // The question is registered before it is shown: an answer typed at once must answer it, not go to chat.
        input.ask(line -> {
            status.promptAnswered();
            if (line == null) {
                System.err.println();
                answer.accept("the " + program + "'s input ended before anyone answered");
                return;
            }
            String said = line.strip().toLowerCase(Locale.ROOT);
            answer.accept(said.equals("y") || said.equals("yes") ? null : "the " + program + " declined it");
        });
        status.prompt("Receive " + offer.describe() + " from the " + other + " into " + where + "? [y/N] ");
    }
}
