// A short code's key exchange through the gateway, with the Java peers' rules (PakeHandshake.java,
// NameplateClaimer.java, ClaimBinding.java; docs/security.md "Short codes"):
//
// - one guess per code on each side: the offering page checks exactly one reply to its claim, the first
//   it reads, and never runs that code again in this browser; the joining page replies to exactly one
//   claim, ever, for a code (spent-codes.js remembers both);
// - values whose expiry has passed or is more than 12 minutes ahead are junk (pake.js isLive), so a
//   squatter's "year 3000" value holds no nameplate;
// - a nameplate whose claim (or the clearing of the answerer key beside it) cannot be written is busy,
//   and the choice widens past 1..99 when nameplates are busy (nameplate-choice.js);
// - once the code is shown, the offering page never moves: whatever replaces its claim, a claim of
//   someone else's too, is written over with its claim again (moving for a claim with a smaller id let
//   anyone who writes one send the offerer away and its answerer to the writer's claim);
// - the joining page takes no claim where it finds a confirmed or abandoned marker (the code's exchange
//   has ended: the code is spent); once it has replied, only the offerer's word on that claim counts. (The
//   Java answerer also takes none while it reads two claims at once; the gateway hands the page one value
//   per key, so the page never sees two at once: docs/gateway.md.)

import { GatewayError, sleep } from './gateway.js';
import { Reading, hex, randomHex } from './formats.js';
import { Spake2, WrongCode, aad, decodeMessage, encodeMessage, expiryAfter, isLive, nameplateKeys, passwordScalar, sessionKey } from './pake.js';
import { NameplateChoice } from './nameplate-choice.js';
import { randomShortCode } from './shortcode.js';
import { awaitAccepted } from './signaling.js';

/** How long an offering page waits after writing its claim before reading it back (a racing offerer's write lands). */
const SETTLE_MS = 200;

/** What both sides share: the gateway, the key names, the time limit, the memory of spent codes, the transcript. */
class Handshake {
  constructor({ gateway, offerName = 'webrtc-offer', answerName = 'webrtc-answer', timeoutMs, spent, signal, log, warn }) {
    Object.assign(this, { gateway, offerName, answerName, timeoutMs, spent, signal, log, warn });
    this.written = null;
  }

  /** Writes a value; throws a GatewayError when it was not stored (refused, no node took it). */
  async put(key, data) {
    if (data !== '') this.written = key;
    else if (this.written === key) this.written = null;
    await this.gateway.put(key, data, this.signal);
  }

  /** As put, for writes whose failure the next look at the nameplate makes up for. */
  putQuietly(key, data) {
    return this.put(key, data).catch((e) => {
      if (!this.signal.aborted) this.warn(`storing a value at the nameplate failed: ${e.message}`);
    });
  }

  /** Clears what we wrote last (a claim, a confirmation, a reply), so the nameplate is free again. */
  release() {
    const key = this.written;
    this.written = null;
    if (key) this.gateway.put(key, '').catch((e) => this.warn(`clearing the nameplate failed: ${e.message}`));
  }

  /** The value under a key, decoded; a lookup that failed reads as nothing there (the next look may do better). */
  async read(key) {
    try {
      return decodeMessage((await this.gateway.get(key, this.signal)).value);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      return null;
    }
  }
}

/**
 * The offering side: claims a nameplate (a free one with a new code, shown through `onCode`, or the one of
 * a code given to it), waits for an answerer's reply, checks it once and confirms or abandons. Resolves
 * with {code, rootKey}.
 */
export class OfferingHandshake extends Handshake {
  async run(list, onCode, wanted = null) {
    const claim = await this.claim(list, wanted);
    onCode(claim.code);
    const found = await awaitAccepted(this.gateway, [claim.keys.answerer, claim.keys.offerer], async (i, value) => {
      const m = decodeMessage(value);
      if (i === 0) return m && m.kind === 'R' && m.idHex === claim.idHex ? Reading.accepted(m) : Reading.empty();
      return this.keepClaim(claim, m);
    }, {
      limitMs: this.timeoutMs, what: 'reply of an answerer', where: `nameplate ${claim.code.nameplate}`,
      signal: this.signal, onRefused: this.warn,
    }).catch((e) => {
      if (this.signal.aborted) throw e;
      throw new Error(`${e.message} (check that the other side typed the code ${claim.code} and uses this DHT)`);
    });
    return this.check(claim, found.reading.message);
  }

  /**
   * A nameplate of our own, our claim written there and read back (NameplateClaimer.claim): a nameplate whose
   * offerer key holds a live value is in use; one where our claim or the clearing of the answerer key cannot
   * be written is busy; one where another offerer's claim shows up while ours settles was taken at the same
   * moment (we clear ours and move: the code was not shown yet). A given code has its nameplate or fails.
   */
  async claim(list, wanted) {
    if (wanted && await this.spent.isSpent('offerer', String(wanted))) {
      throw new Error(`the code ${wanted} was used in this browser already (an offering page here checked an answer to it; a code gets one try): leave the code empty for a new one`);
    }
    const choice = new NameplateChoice();
    const deadline = Date.now() + this.timeoutMs;
    while (true) {
      let nameplate;
      if (wanted) {
        nameplate = wanted.nameplate;
      } else {
        nameplate = Date.now() < deadline ? choice.next() : null;
        if (nameplate === null) {
          throw new Error(`found no free nameplate (${choice.summary()}) through the gateway; someone may be holding them: try again later, or use a long code (New long code)`);
        }
      }
      const keys = await nameplateKeys(nameplate, this.offerName, this.answerName);
      if (isLive(await this.read(keys.offerer))) {
        if (wanted) throw inUse(nameplate);
        choice.busy(nameplate, 'in use');
        continue;
      }
      const code = wanted || await this.newCode(nameplate, list);
      const idHex = randomHex(16);
      const id = Uint8Array.from(idHex.match(/../g), (b) => parseInt(b, 16));
      const spake = await Spake2.start('A', await passwordScalar(code.password()));
      const value = encodeMessage('C', id, expiryAfter(this.timeoutMs), spake.message);
      try {
        // The answerer key is cleared too: a reply of an earlier exchange means nothing, and a key that
        // cannot be written is found before the code is shown.
        await Promise.all([this.put(keys.offerer, value), this.gateway.put(keys.answerer, '', this.signal)]);
      } catch (e) {
        if (this.signal.aborted) throw e;
        await this.put(keys.offerer, '').catch(() => {});  // our claim, if it landed, is not to be answered
        if (wanted) throw new Error(`cannot use the code ${wanted}: ${e.message}; leave the code empty to get a code with a free nameplate`);
        this.warn(`nameplate ${nameplate} cannot be written (${e.message}); picking another`);
        choice.busy(nameplate, 'not writable');
        continue;
      }
      // A code we made is about to be shown: an offerer that picked the same nameplate at the same moment
      // shows up meanwhile. A code given to us is known to both sides already.
      if (!wanted) await sleep(SETTLE_MS, this.signal);
      const after = await this.read(keys.offerer);
      if (isLive(after) && after.idHex !== idHex) {
        await this.put(keys.offerer, '').catch(() => {});
        if (wanted) throw inUse(nameplate);
        choice.busy(nameplate, 'taken at the same moment');
        continue;
      }
      if (!after || after.idHex !== idHex) await this.putQuietly(keys.offerer, value);  // junk replaced it
      return { code, keys, id, idHex, spake, value };
    }
  }

  /** New words for a nameplate: never a code this browser has offered with (a chance of one in 65 536 a try). */
  async newCode(nameplate, list) {
    let code = randomShortCode(nameplate, list);
    for (let i = 0; i < 64 && await this.spent.isSpent('offerer', String(code)); i++) code = randomShortCode(nameplate, list);
    return code;
  }

  /**
   * While waiting: whatever is at our key in place of our claim (junk, a cleared key, another claim) is
   * written over with our claim again; the code shown stays.
   */
  keepClaim(claim, m) {
    if (isLive(m) && m.idHex === claim.idHex) return Reading.empty();
    if (!this.restoring) {
      this.restoring = true;
      this.put(claim.keys.offerer, claim.value)
        .catch((e) => { if (!this.signal.aborted) this.warn(`storing our claim again failed: ${e.message}`); })
        .finally(() => { this.restoring = false; });
    }
    return Reading.refused(isLive(m) && m.kind === 'C'
      ? `another claim is at nameplate ${claim.code.nameplate} in place of ours (an offerer that read a stale node, or someone interfering); writing ours again: the code shown stays`
      : `something replaced our claim at nameplate ${claim.code.nameplate}; writing it again`);
  }

  /** The single check of a reply: the code is spent whatever it says; confirm and go on, or abandon and fail. */
  async check(claim, reply) {
    await this.spent.spend('offerer', String(claim.code));
    const keys = await claim.spake.finish(reply.point, aad(claim.code.nameplate, claim.id));
    const linger = expiryAfter(this.timeoutMs);
    if (keys === null || !keys.confirms(reply.mac)) {
      await this.put(claim.keys.offerer, encodeMessage('X', claim.id, linger)).catch(() => {});
      throw new WrongCode();
    }
    await this.put(claim.keys.offerer, encodeMessage('K', claim.id, linger, null, keys.ours));
    return { code: claim.code, rootKey: await sessionKey(keys.ke, claim.id) };
  }
}

function inUse(nameplate) {
  return new Error(`nameplate ${nameplate} is in use by another session; leave the code empty to get a code with a free nameplate`);
}

/**
 * The joining side: replies to the one live claim at the code's nameplate (ClaimBinding.java), and checks
 * the offerer's confirmation. Resolves with {code, rootKey}.
 */
export class JoiningHandshake extends Handshake {
  async run(code) {
    if (await this.spent.isSpent('answerer', String(code))) {
      throw new Error(`the code ${code} was used in this browser already (a page here tried it, or found it used; a code gets one try): ask the offerer to start again with a new code`);
    }
    const deadline = Date.now() + this.timeoutMs;
    const keys = await nameplateKeys(code.nameplate, this.offerName, this.answerName);
    const w = await passwordScalar(code.password());
    const refused = new Set();
    while (true) {
      const found = await awaitAccepted(this.gateway, [keys.offerer], async (i, value) => this.select(decodeMessage(value), refused), {
        limitMs: Math.max(1, deadline - Date.now()), what: 'offerer', where: `nameplate ${code.nameplate}`,
        signal: this.signal, onRefused: this.warn,
      }).catch((e) => {
        if (this.signal.aborted) throw e;
        throw new Error(`${e.message.replace(/^no offerer under/, 'no offerer waits at')} (check the code, and that the offerer is running and uses this DHT)`);
      });
      const claim = found.reading.message;
      if (claim.ended) {
        // The offerer has settled with someone else, or abandoned the code after a wrong reply. Remembered
        // too: run again after someone has erased the marker, we would reply to their claim.
        await this.spent.spend('answerer', String(code));
        throw new WrongCode();
      }
      const spake = await Spake2.start('B', w);
      const agreed = await spake.finish(claim.point, aad(code.nameplate, claim.id));
      if (agreed === null) {
        this.warn(`ignoring the claim at nameplate ${code.nameplate}: it is not a SPAKE2 message`);
        refused.add(claimKey(claim));
        continue;
      }
      // Bound: this browser never replies with this code again, and that is recorded before the reply leaves.
      await this.spent.spend('answerer', String(code));
      return this.confirm(code, keys, claim, spake, agreed, deadline);
    }
  }

  /**
   * What a value at the offerer key means before we are bound: a live claim to reply to, the end of the
   * code's exchange (a live confirmed or abandoned marker), or nothing. The gateway shows one value per key;
   * where it shows a marker, the marker wins over any claim seen before it.
   */
  select(m, refused) {
    if (!isLive(m)) return Reading.empty();
    if (m.kind === 'K' || m.kind === 'X') return Reading.accepted({ ended: true });
    if (m.kind === 'C' && !refused.has(claimKey(m))) return Reading.accepted(m);
    return Reading.empty();
  }

  /** Sends our reply, then waits for the offerer's word on the claim we are bound to: confirmed or abandoned. */
  async confirm(code, keys, claim, spake, agreed, deadline) {
    const reply = encodeMessage('R', claim.id, claim.expires, spake.message, agreed.ours);
    try {
      await this.put(keys.answerer, reply);
    } catch (e) {
      if (this.signal.aborted) throw e;
      throw new Error(`cannot reply at nameplate ${code.nameplate}: ${e.message}; start again with a new code`);
    }
    const answered = await awaitAccepted(this.gateway, [keys.offerer, keys.answerer], async (i, value) => {
      const m = decodeMessage(value);
      if (i === 1) {
        if (!(m && m.kind === 'R' && m.idHex === claim.idHex && m.mac.every((x, j) => x === agreed.ours[j]))) {
          this.putQuietly(keys.answerer, reply);  // overwritten before the offerer read it
        }
        return Reading.empty();
      }
      if (!m || m.idHex !== claim.idHex) return Reading.empty();
      return m.kind === 'K' || m.kind === 'X' ? Reading.accepted(m) : Reading.empty();
    }, {
      limitMs: Math.max(1, deadline - Date.now()), what: "offerer's confirmation", where: `nameplate ${code.nameplate}`,
      signal: this.signal, onRefused: this.warn,
    });
    const m = answered.reading.message;
    if (m.kind === 'X' || !agreed.confirms(m.mac)) throw new WrongCode();
    return { code, rootKey: await sessionKey(agreed.ke, claim.id) };
  }
}

/** A claim as a whole, for the set of refused ones: its id and its point. */
function claimKey(m) {
  return `${m.idHex}:${hex(m.point)}`;
}
