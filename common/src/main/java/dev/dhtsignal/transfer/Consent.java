package dev.dhtsignal.transfer;

import java.util.List;
import java.util.function.Consumer;

/**
 * Whether the receiver takes what the other side offers, decided once per offer, before any byte flows:
 * by the person at the terminal, or in advance ({@code --yes}, {@code --receive DIR}), or refused when
 * there is nobody to ask.
 */
@FunctionalInterface
public interface Consent {
    /**
     * Decides about {@code offer}; answers exactly once, now or later, on any thread: null to accept, or the
     * reason for refusing, as the sender will be told it.
     */
    void decide(Offer offer, Consumer<String> answer);

    /** Takes every offer. */
    Consent ALWAYS = (offer, answer) -> answer.accept(null);

    /**
     * What is offered, as the sender announced it (checked as the files come: none beyond the count, the
     * bytes or the names at its top is taken under this consent).
     *
     * @param files how many files
     * @param bytes their bytes together
     * @param top   the names at its top (files, directories), as they will be placed; may be cut short
     */
    record Offer(long files, long bytes, List<String> top) {
        /** For the question and the messages: "holiday.tar (286.1 MiB)", "photos (120 files, 1.2 GiB)". */
        public String describe() {
            String names;
            if (top.isEmpty()) {
                names = files == 1 ? "a file" : files + " files";
            } else if (top.size() <= 3) {
                names = String.join(", ", top.stream().map(PeerText::shown).toList());
            } else {
                names = String.join(", ", top.subList(0, 2).stream().map(PeerText::shown).toList()) + " and "
                        + (top.size() - 2) + " more";
            }
            return names + " (" + (files == 1 && top.size() == 1 ? "" : files + (files == 1 ? " file, " : " files, "))
                    + TransferProgress.bytes(bytes) + ")";
        }
    }
}
