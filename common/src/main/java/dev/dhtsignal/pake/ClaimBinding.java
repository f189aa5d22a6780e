package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalingException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answerer's half of "one guess per code": which claim at its code's nameplate it replies to, and that
 * it replies to one only, ever, on this machine. Replying to a claim tests one guess of the words for whoever
 * wrote the claim, so:
 *
 * <ul>
 *   <li>a code this machine's answerer has replied with before is refused outright ({@link SpentCodes});</li>
 *   <li>a live confirmed or abandoned marker at the nameplate means the code's exchange has ended: someone
 *       else took part, and the code is spent, whatever claim is there beside it (a third party that made the
 *       offerer abandon posts a claim of its own next, to test a second guess here); this machine remembers
 *       it as spent too, since the marker can be erased before the next run;</li>
 *   <li>exactly one claim: it is the one; several at once: none is taken until one is left. An offerer that
 *       met another on its nameplate before showing its code clears its own claim, so two claims that stay are
 *       someone interfering, and taking the smaller exchange id, as before, let a third party's claim with
 *       id 00.. win every time;</li>
 *   <li>a claim that is not a SPAKE2 message tests nothing and is read past;</li>
 *   <li>once bound, only the offerer's word on that claim counts, and the code is recorded as spent before
 *       the reply leaves this machine.</li>
 * </ul>
 */
final class ClaimBinding {
    private static final Logger log = LoggerFactory.getLogger(ClaimBinding.class);

    private final ShortCode code;
    private final SpentCodes spent;
    private final Set<PakeMessage> refused = new HashSet<>();
    private PakeMessage bound;
    private int mostClaimsAtOnce;

    ClaimBinding(ShortCode code, SpentCodes spent) {
        this.code = code;
        this.spent = spent;
    }

    /** @throws SignalingException when an answerer on this machine has replied with this code before */
    void requireUntried() {
        if (spent.isSpent(SpentCodes.Role.ANSWERER, code)) {
            throw new SignalingException("the code " + code + " was used on this machine already (an answerer here tried it, "
                    + "or found it used; a code gets one try): ask the offerer to start again with a new code");
        }
    }

    /**
     * The claim to reply to, among the live values at the offerer key; null to look again.
     *
     * @throws WrongCodeException when the nameplate shows that the code's exchange has ended
     */
    PakeMessage select(List<PakeMessage> live) {
        if (bound != null) {
            throw new IllegalStateException("bound to claim " + bound.idHex() + " already");
        }
        List<PakeMessage> claims = new ArrayList<>();
        for (PakeMessage m : live) {
            if (m.kind() == PakeMessage.Kind.CONFIRMED || m.kind() == PakeMessage.Kind.ABANDONED) {
                log.info("nameplate {} holds a finished exchange ({}): the code was used already", code.nameplate(), m);
                // Remembered too: run again after someone has erased the marker, we would reply to their claim.
                spent.spend(SpentCodes.Role.ANSWERER, code);
                throw new WrongCodeException();
            }
            if (m.kind() == PakeMessage.Kind.CLAIM && !refused.contains(m) && claims.stream().noneMatch(c -> c.equals(m))) {
                claims.add(m);
            }
        }
        mostClaimsAtOnce = Math.max(mostClaimsAtOnce, claims.size());
        if (claims.size() > 1) {
            log.info("{} claims at nameplate {} at once ({}); waiting for one to be left", claims.size(), code.nameplate(), claims);
            return null;
        }
        return claims.isEmpty() ? null : claims.get(0);
    }

    /** A claim that is not a SPAKE2 message: it tests nothing, and is read past from now on. */
    void refuse(PakeMessage claim) {
        refused.add(claim);
    }

    /** Binds this run to {@code claim} and this machine to never replying with the code again; before the reply goes out. */
    void bind(PakeMessage claim) {
        spent.spend(SpentCodes.Role.ANSWERER, code);
        bound = claim;
    }

    /** The offerer's word on our claim among the values at its key: confirmed or abandoned, or null when none yet. */
    PakeMessage outcome(List<PakeMessage> values) {
        for (PakeMessage m : values) {
            if (m.isFor(bound.exchangeId()) && (m.kind() == PakeMessage.Kind.CONFIRMED || m.kind() == PakeMessage.Kind.ABANDONED)) {
                return m;
            }
        }
        return null;
    }

    /** Why no claim was taken, for the message when the time is up; null when no claim was ever there. */
    String whyNone() {
        return mostClaimsAtOnce > 1
                ? "claims of " + mostClaimsAtOnce + " exchanges were there at once (two offerers, or someone interfering), "
                        + "so none was answered: start again with a new code"
                : null;
    }
}
