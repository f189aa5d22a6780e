// Short codes, 7-guitarist-revenge, as the Java peers read and make them (ShortCode.java): a nameplate
// number, a word of the PGP word list's odd (three-syllable) half and one of its even half. The word list is
// the Java peers' own file (pgp-words.txt, served by the gateway from the jar), so the two cannot differ.
// Typing is forgiving: case, separators, either order of the words, the number first or last.

const SEPARATORS = /[\s\-_.,:/]+/;
export const MAX_NAMEPLATE = 9999;
let wordList = null;

/** The word list: {even: [...256], odd: [...256]}, loaded once. */
export function words() {
  if (!wordList) {
    wordList = fetch('pgp-words.txt', { cache: 'force-cache' }).then(async (response) => {
      if (!response.ok) throw new Error(`the code word list did not load (HTTP ${response.status})`);
      const even = [];
      const odd = [];
      for (const line of (await response.text()).split('\n')) {
        if (line.trim() === '' || line.startsWith('#')) continue;
        const [, e, o] = line.trim().split(/\s+/);
        even.push(e.toLowerCase());
        odd.push(o.toLowerCase());
      }
      if (even.length !== 256 || odd.length !== 256) throw new Error('the code word list is damaged');
      return { even, odd };
    });
    wordList.catch(() => { wordList = null; });
  }
  return wordList;
}

/** Whether typed text is meant as a short code (ShortCode.looksLikeOne): a number and two groups of letters. */
export function looksLikeShortCode(typed, list) {
  const parts = numberFirst(typed.trim().split(SEPARATORS));
  if (parts.length !== 3 || !/^[0-9]{1,4}$/.test(parts[0]) || !/^[A-Za-z]+$/.test(parts[1]) || !/^[A-Za-z]+$/.test(parts[2])) {
    return false;
  }
  const longShape = parts[0].length === 4 && parts[1].length === 4 && parts[2].length === 4;
  const isWord = (w) => list.odd.includes(w.toLowerCase()) || list.even.includes(w.toLowerCase());
  return !longShape || (isWord(parts[1]) && isWord(parts[2]));
}

function numberFirst(parts) {
  if (parts.length !== 3 || /^[0-9]{1,4}$/.test(parts[0])) return parts;
  for (let i = 1; i < 3; i++) {
    if (/^[0-9]{1,4}$/.test(parts[i])) return [parts[i], parts[0], parts[i === 1 ? 2 : 1]];
  }
  return parts;
}

/** A short code: its nameplate and the indexes of its two words. */
export class ShortCode {
  constructor(nameplate, first, second, list) {
    this.nameplate = nameplate;
    this.first = first;
    this.second = second;
    this.text = `${nameplate}-${list.odd[first]}-${list.even[second]}`;
  }

  toString() {
    return this.text;
  }

  /** The SPAKE2 password (ShortCode.password, without a secret). */
  password() {
    return `webrtc-dht-signaling/pake/v1\ncode:${this.text}`;
  }
}

/** Reads a typed short code; throws an Error saying what is wrong, with "did you mean" for a near miss. */
export function parseShortCode(typed, list) {
  const parts = numberFirst(typed.trim().toLowerCase().split(SEPARATORS));
  if (parts.length !== 3 || !/^[0-9]{1,4}$/.test(parts[0])) {
    throw new Error(`'${typed}' is not a short code: it is a number and two words, like 7-guitarist-revenge`);
  }
  const nameplate = Number(parts[0]);
  if (nameplate < 1) throw new Error(`'${typed}': the number of a code is 1 to ${MAX_NAMEPLATE}`);
  const [, one, two] = parts;
  if (list.odd.includes(one) && list.even.includes(two)) return new ShortCode(nameplate, list.odd.indexOf(one), list.even.indexOf(two), list);
  if (list.even.includes(one) && list.odd.includes(two)) return new ShortCode(nameplate, list.odd.indexOf(two), list.even.indexOf(one), list);
  const known = (w) => list.odd.includes(w) || list.even.includes(w);
  const unknown = !known(one) ? one : !known(two) ? two : null;
  let first = list.odd.includes(one) ? one : closest(one, list.odd);
  let second = list.even.includes(two) ? two : closest(two, list.even);
  if (first === null || second === null) {
    const swappedFirst = list.odd.includes(two) ? two : closest(two, list.odd);
    const swappedSecond = list.even.includes(one) ? one : closest(one, list.even);
    if (swappedFirst !== null && swappedSecond !== null) {
      first = swappedFirst;
      second = swappedSecond;
    }
  }
  const what = unknown ? `'${unknown}' is not a word of the code list (the PGP word list)`
    : 'the two words are from the same half of the word list, so this is not a code that was made';
  const hint = first !== null && second !== null ? `did you mean ${nameplate}-${first}-${second}?` : 'check the code you were given';
  throw new Error(`'${typed}': ${what}; ${hint}`);
}

/** A new code for a nameplate, with two random words. */
export function randomShortCode(nameplate, list) {
  const r = crypto.getRandomValues(new Uint8Array(2));
  return new ShortCode(nameplate, r[0], r[1], list);
}

/** The word `typed` most likely meant (WordList.closest): the only one it begins, or one a few letters off. */
function closest(typed, list) {
  if (typed.length >= 3) {
    const completions = list.filter((w) => w.startsWith(typed));
    if (completions.length === 1) return completions[0];
  }
  let best = null;
  let bestDistance = Infinity;
  for (const w of list) {
    const d = distance(typed, w);
    if (d < bestDistance) {
      best = w;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost one. */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
