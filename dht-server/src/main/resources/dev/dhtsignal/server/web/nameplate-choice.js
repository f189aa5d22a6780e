// Which nameplate an offering page tries next for a code it makes (NameplateChoice.java). Codes stay short
// while nameplates are free: the first picks are among 1..99. Each nameplate that comes back busy (in use,
// taken by another offerer at the same moment, or not writable) is never picked again, and after three busy
// picks the range widens to 1..999, then to 1..9999; so someone holding all of 1..99 (99 values, kept
// rewritten) makes codes a digit longer, not impossible. At most 30 picks in all.

import { MAX_NAMEPLATE } from './shortcode.js';

export const FIRST_RANGE = 99;
export const PICKS_PER_RANGE = 3;
export const TRIES = 30;
/** Draws of an already busy nameplate before the range counts as used up and widens. */
const REDRAWS = 64;

function randomBelow(n) {
  // 32 random bits mod n: a bias of under 1 in 400 000 for n <= 9999, nothing an attacker can use.
  return 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % n);
}

export class NameplateChoice {
  constructor(pickBelow = randomBelow) {
    this.pickBelow = pickBelow;
    this.busyWhy = new Map();  // nameplate -> why, in the order tried
    this.range = FIRST_RANGE;
    this.picksInRange = 0;
  }

  /** The next nameplate to try, or null when 30 have been tried or no free one can be drawn. */
  next() {
    if (this.busyWhy.size >= TRIES) return null;
    if (this.picksInRange >= PICKS_PER_RANGE) this.widen();
    for (let draw = 0; draw < REDRAWS; draw++) {
      const n = this.pickBelow(this.range);
      if (!this.busyWhy.has(n)) {
        this.picksInRange++;
        return n;
      }
    }
    // Every draw hit a busy nameplate: this range is as good as full.
    if (this.range < MAX_NAMEPLATE) {
      this.widen();
      return this.next();
    }
    return null;
  }

  widen() {
    this.range = Math.min(MAX_NAMEPLATE, this.range * 10 + 9);
    this.picksInRange = 0;
  }

  /** The nameplate tried last is busy; `why` is a few words ("in use", "not writable"). */
  busy(nameplate, why) {
    this.busyWhy.set(nameplate, why);
  }

  /** What was tried, for the message when nothing was free: "30 nameplates tried up to 9999: 27 in use, 3 not writable". */
  summary() {
    const counts = new Map();
    for (const why of this.busyWhy.values()) counts.set(why, (counts.get(why) || 0) + 1);
    const size = this.busyWhy.size;
    const parts = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([why, n]) => `${n} ${why}`);
    return `${size} nameplate${size === 1 ? '' : 's'} tried up to ${this.range}${parts.length ? `: ${parts.join(', ')}` : ''}`;
  }
}
