package dev.dhtsignal.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Standard input, read by one thread and shared: a line typed while a question is open answers it (the
 * file offer's "[y/N]"), any other line is chat. The end of input answers open questions "no" and ends
 * the chat.
 */
public final class InputLines {
    private final BufferedReader in;
    private final Deque<Consumer<String>> questions = new ArrayDeque<>();
    private Consumer<String> chat;
    private Runnable chatEnded;
    private boolean started;
    private boolean ended;

    public InputLines(BufferedReader in) {
        this.in = in;
    }

    /** Sends every line that answers no question to {@code lines}, and {@code end} at the end of input. */
    public synchronized void chat(Consumer<String> lines, Runnable end) {
        chat = lines;
        chatEnded = end;
        if (ended) {
            end.run();
        }
        start();
    }

    /** The next line typed goes to {@code answer} (null at the end of input). */
    public synchronized void ask(Consumer<String> answer) {
        if (ended) {
            answer.accept(null);
            return;
        }
        questions.add(answer);
        start();
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        Thread reader = new Thread(this::read, "input");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                Consumer<String> target;
                synchronized (this) {
                    Consumer<String> question = questions.poll();
                    target = question != null ? question : chat;
                }
                if (target != null) {
                    target.accept(line);
                }
            }
        } catch (IOException e) {
            // The end of input, as far as we can read it.
        }
        Runnable end;
        Deque<Consumer<String>> open;
        synchronized (this) {
            ended = true;
            end = chatEnded;
            open = new ArrayDeque<>(questions);
            questions.clear();
        }
        open.forEach(q -> q.accept(null));
        if (end != null) {
            end.run();
        }
    }
}
