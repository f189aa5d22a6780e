// How signaling messages are written into DHT values, as the Java peers do it (docs/security.md).
// Plain: the message's JSON as text, readable by the original Python peers; keys are SHA-1 of the names.
// Sealed: AES-256-GCM boxes under keys derived from a shared secret (crypto.js: WebCrypto, or the vendored
// libraries where the browser offers none).

import { aesGcmOpen, aesGcmSeal, hkdf as hkdfBytes, hmacSha256, pbkdf2Sha256, sha1 } from './crypto.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const PBKDF2_ITERATIONS = 600000;
const VERSION = 'webrtc-dht-signaling/v2/';
const MAGIC = encoder.encode('WDS2');
/** A message created further ahead of our clock than this is refused (SignalMessage.CLOCK_SKEW). */
export const CLOCK_SKEW_MS = 2 * 60 * 1000;
/**
 * The longest an offerer waits (SignalMessage.LONGEST_WAIT), so the longest an offer or a short code's claim
 * lives: the page, as `offerer --timeout`, refuses a longer wait when it offers.
 */
export const LONGEST_WAIT_MS = 10 * 60 * 1000;
/**
 * The longest lifetime (expires_ms - created_ms) a reader believes: the longest an offerer waits, 10 min, and
 * the clock allowance (SignalMessage.LONGEST_LIFETIME). An offer claiming more is forged or squatting.
 */
export const LONGEST_LIFETIME_MS = LONGEST_WAIT_MS + CLOCK_SKEW_MS;
const KIND_OFFER = 0x4f; // 'O'
const KIND_ANSWER = 0x41; // 'A'
const SALT_LENGTH = 16;
const NONCE_LENGTH = 12;
const HEADER_LENGTH = MAGIC.length + 1 + SALT_LENGTH + NONCE_LENGTH;
const TAG_LENGTH = 16;

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function randomHex(byteCount) {
  return hex(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** The DHT key of a name, as the original peers derive it: the SHA-1 of its UTF-8 bytes, in hex. */
export async function sha1Hex(text) {
  return hex(await sha1(text));
}

const hmac = hmacSha256;

async function pbkdf2(secret, salt) {
  return pbkdf2Sha256(secret, salt, PBKDF2_ITERATIONS);
}

async function hkdf(root, salt, info) {
  return hkdfBytes(root, salt, info, 32);
}

/** A reading of a value: accepted (with the message), empty (nothing there), or refused (with why). */
export const Reading = {
  accepted: (message, extra = {}) => ({ state: 'accepted', message, ...extra }),
  empty: () => ({ state: 'empty' }),
  refused: (why) => ({ state: 'refused', why }),
};

/** Parses a message's JSON the way the Java peers do; throws an Error saying what is wrong. */
export function parseMessage(text) {
  let o;
  try {
    o = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not a JSON object');
  if (typeof o.sdp !== 'string' || o.sdp === '') throw new Error('no "sdp" text');
  if (typeof o.type !== 'string') throw new Error('no "type" text');
  return {
    sdp: o.sdp,
    type: o.type,
    offer_id: typeof o.offer_id === 'string' ? o.offer_id : null,
    created_ms: Number.isFinite(o.created_ms) ? o.created_ms : null,
    expires_ms: Number.isFinite(o.expires_ms) ? o.expires_ms : null,
  };
}

/** The JSON of a message: the original's {"sdp", "type"} plus the fields they ignore. */
export function messageJson(m) {
  const o = { sdp: m.sdp, type: m.type };
  if (m.offer_id) o.offer_id = m.offer_id;
  if (m.created_ms != null) o.created_ms = m.created_ms;
  if (m.expires_ms != null) o.expires_ms = m.expires_ms;
  return JSON.stringify(o);
}

export function isCleared(value) {
  return value && value.kind === 'text' && value.text === '';
}

function slotName(name, slot) {
  return slot === 0 ? name : `${name}#${slot}`;
}

/** Plain signaling, the original network's: anyone on the DHT can read and replace the SDP. */
export class PlainFormat {
  constructor(offerName = 'webrtc-offer', answerName = 'webrtc-answer') {
    this.offerName = offerName;
    this.answerName = answerName;
    this.sealed = false;
  }

  async keys(slots) {
    const offers = [];
    const answers = [];
    for (let i = 0; i < slots; i++) {
      offers.push(await sha1Hex(slotName(this.offerName, i)));
      answers.push(await sha1Hex(slotName(this.answerName, i)));
    }
    return { offers, answers };
  }

  describe(kind, slot) {
    return `key '${slotName(kind === 'offer' ? this.offerName : this.answerName, slot)}'`;
  }

  async encodeOffer(message) {
    return { data: messageJson(message), keys: null };
  }

  async encodeAnswer(message) {
    return messageJson(message);
  }

  async readOffer(value) {
    return read(value, true);
  }

  async readAnswer(value, key, ours) {
    const r = read(value, false);
    if (r.state === 'accepted' && r.message.offer_id && r.message.offer_id !== ours.message.offer_id) {
      return Reading.refused(`it answers another offer (${r.message.offer_id}), not ours`);
    }
    return r;
  }
}

function read(value, wantOffer) {
  if (value.kind !== 'text') {
    return Reading.refused(`it is ${value.kind === 'bytes' ? 'binary' : 'not text'} (sealed? then give the session code or secret)`);
  }
  if (value.text === '') return Reading.empty();
  let m;
  try {
    m = parseMessage(value.text);
  } catch (e) {
    return Reading.refused(`it is not a session description: ${e.message}`);
  }
  if ((m.type === 'offer') !== wantOffer) {
    return Reading.refused(`it is an ${m.type} where ${wantOffer ? 'an offer' : 'an answer'} belongs`);
  }
  return Reading.accepted(m);
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new session code: three groups of four Crockford base32 characters, 60 random bits. */
export function newSessionCode() {
  const groups = [];
  for (let g = 0; g < 3; g++) {
    let s = '';
    const r = crypto.getRandomValues(new Uint8Array(4));
    for (const b of r) s += ALPHABET[b & 31];
    groups.push(s);
  }
  return groups.join('-');
}

/** The canonical form of a typed session code; throws saying what is wrong. */
export function normalizeCode(typed) {
  let out = '';
  for (const raw of typed.toUpperCase()) {
    if (raw === '-' || raw === ' ' || raw === '_') continue;
    const c = raw === 'O' ? '0' : raw === 'I' || raw === 'L' ? '1' : raw;
    if (!ALPHABET.includes(c)) {
      throw new Error(`session code '${typed}' has '${raw}', which is not in 0-9 A-Z (without I, L, O, U)`);
    }
    out += c;
  }
  if (out.length < 4) throw new Error(`session code '${typed}' is too short (at least 4 characters)`);
  return out;
}

/** The secret string both sides derive everything from, as the Java peers build it. */
export function sharedSecret(code, secret) {
  const parts = [];
  if (code) parts.push(`session:${normalizeCode(code)}`);
  if (secret != null && secret !== undefined) {
    if (secret === '') throw new Error('the secret is empty');
    parts.push(`secret:${secret}`);
  }
  if (parts.length === 0) throw new Error('a shared secret needs a session code or a secret');
  return parts.join('\n');
}

/**
 * Sealed signaling: only holders of the secret can read, make or change the messages. The root key comes
 * from a secret through PBKDF2, or is given: a short code's key exchange ends in a full-strength key that is
 * the root itself (SharedSecret.fromKey), and such a session has one slot.
 */
export class SealedFormat {
  constructor(secret, offerName = 'webrtc-offer', answerName = 'webrtc-answer', rootKey = null) {
    this.secret = secret;
    this.offerName = offerName;
    this.answerName = answerName;
    this.sealed = true;
    this.sealKeysBySalt = new Map();
    if (rootKey) this.rootKey = Promise.resolve(rootKey);
  }

  /** The root key: the one slow step (PBKDF2), once per secret. */
  root() {
    if (!this.rootKey) this.rootKey = pbkdf2(this.secret, encoder.encode(`${VERSION}root`));
    return this.rootKey;
  }

  async keys(slots) {
    const root = await hkdf(await this.root(), new Uint8Array(0), `${VERSION}locator`);
    const offers = [];
    const answers = [];
    for (let i = 0; i < slots; i++) {
      offers.push(hex((await hmac(root, `${this.offerName}#${i}`)).slice(0, 20)));
      answers.push(hex((await hmac(root, `${this.answerName}#${i}`)).slice(0, 20)));
    }
    return { offers, answers };
  }

  describe(kind, slot) {
    return `sealed ${kind} slot ${slot}`;
  }

  /** The AES keys of the exchange with this salt (two HKDF runs from the root; kept for a few salts). */
  sealKeys(salt) {
    const id = hex(salt);
    let keys = this.sealKeysBySalt.get(id);
    if (!keys) {
      keys = (async () => {
        const root = await this.root();
        return { salt, offer: await hkdf(root, salt, `${VERSION}offer`), answer: await hkdf(root, salt, `${VERSION}answer`) };
      })();
      this.sealKeysBySalt.set(id, keys);
      if (this.sealKeysBySalt.size > 64) this.sealKeysBySalt.delete(this.sealKeysBySalt.keys().next().value);
    }
    return keys;
  }

  /** Starts deriving the next offer's keys now, while ICE gathering goes on. */
  prepareOffer() {
    if (!this.nextOfferKeys) this.nextOfferKeys = this.sealKeys(crypto.getRandomValues(new Uint8Array(SALT_LENGTH)));
  }

  async encodeOffer(message, key) {
    this.prepareOffer();
    const keys = await this.nextOfferKeys;
    this.nextOfferKeys = null;
    return { data: await seal(KIND_OFFER, keys, key, messageJson(message)), keys };
  }

  async encodeAnswer(message, key, offer) {
    return seal(KIND_ANSWER, offer.keys, key, messageJson(message));
  }

  async readOffer(value, key) {
    if (isCleared(value)) return Reading.empty();
    if (value.kind !== 'bytes') return Reading.refused('it is not sealed; only sealed offers are accepted in a session');
    const header = checkHeader(value.bytes, KIND_OFFER);
    if (header) return Reading.refused(`it ${header}`);
    const keys = await this.sealKeys(value.bytes.slice(5, 5 + SALT_LENGTH));
    return opened(await open(value.bytes, KIND_OFFER, keys, key), true, { keys });
  }

  async readAnswer(value, key, ours) {
    if (isCleared(value)) return Reading.empty();
    if (value.kind !== 'bytes') return Reading.refused('it is not sealed; only sealed answers are accepted in a session');
    const header = checkHeader(value.bytes, KIND_ANSWER);
    if (header) return Reading.refused(`it ${header}`);
    const r = opened(await open(value.bytes, KIND_ANSWER, ours.keys, key), false, {});
    if (r.state === 'accepted' && r.message.offer_id !== ours.message.offer_id) {
      return Reading.refused(`it answers another offer (${r.message.offer_id}), not ours (a replay)`);
    }
    return r;
  }
}

function checkHeader(box, kind) {
  if (box.length < HEADER_LENGTH + TAG_LENGTH || MAGIC.some((b, i) => box[i] !== b)) return 'is not a sealed value';
  if (box[MAGIC.length] !== kind) {
    return `is a sealed ${box[MAGIC.length] === KIND_OFFER ? 'offer' : 'value'} where ${kind === KIND_OFFER ? 'an offer' : 'an answer'} belongs`;
  }
  return null;
}

function aad(header, keyHex) {
  const out = new Uint8Array(header.length + 20);
  out.set(header);
  for (let i = 0; i < 20; i++) out[header.length + i] = parseInt(keyHex.substr(i * 2, 2), 16);
  return out;
}

// Layout (docs/security.md): "WDS2" | kind | salt(16) | nonce(12) | AES-256-GCM(JSON) with its 16-byte tag;
// additional data: the 33 header bytes, then the 20-byte DHT key the value is stored under.
async function seal(kind, keys, keyHex, json) {
  const header = new Uint8Array(HEADER_LENGTH);
  header.set(MAGIC);
  header[MAGIC.length] = kind;
  header.set(keys.salt, MAGIC.length + 1);
  header.set(crypto.getRandomValues(new Uint8Array(NONCE_LENGTH)), MAGIC.length + 1 + SALT_LENGTH);
  const ciphertext = await aesGcmSeal(kind === KIND_OFFER ? keys.offer : keys.answer,
    header.slice(MAGIC.length + 1 + SALT_LENGTH), aad(header, keyHex), encoder.encode(json));
  const box = new Uint8Array(HEADER_LENGTH + ciphertext.length);
  box.set(header);
  box.set(ciphertext, HEADER_LENGTH);
  return box;
}

async function open(box, kind, keys, keyHex) {
  const header = box.slice(0, HEADER_LENGTH);
  const plain = await aesGcmOpen(kind === KIND_OFFER ? keys.offer : keys.answer,
    header.slice(MAGIC.length + 1 + SALT_LENGTH), aad(header, keyHex), box.slice(HEADER_LENGTH));
  if (plain === null) return null;
  try {
    return decoder.decode(plain);
  } catch {
    return null;
  }
}

function opened(json, wantOffer, extra) {
  if (json === null) return { state: 'unopened', why: 'it does not open: wrong secret, tampered or forged' };
  let m;
  try {
    m = parseMessage(json);
  } catch (e) {
    return Reading.refused(`its content is not a sealed ${wantOffer ? 'offer' : 'answer'}: ${e.message}`);
  }
  if ((m.type === 'offer') !== wantOffer) return Reading.refused(`its content is not a sealed ${wantOffer ? 'offer' : 'answer'}: it holds an ${m.type}`);
  if (!m.offer_id || m.created_ms == null || (wantOffer && m.expires_ms == null)) {
    return Reading.refused(`its content is not a sealed ${wantOffer ? 'offer' : 'answer'}: it lacks the offer id or times`);
  }
  return Reading.accepted(m, extra);
}
