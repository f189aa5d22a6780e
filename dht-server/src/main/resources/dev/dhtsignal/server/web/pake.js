// The key exchange of a short code, as the Java peers run it (PakeHandshake.java, docs/security.md "Short
// codes"): SPAKE2 (RFC 9382, SPAKE2-P256-SHA256-HKDF-HMAC) through the two public keys of a nameplate,
// with key confirmation, ending in the root key of the sealed offer and answer that follow (one slot).
// The curve arithmetic is @noble/curves' P-256 (vendored, loaded only when a short code is used); hashes,
// MACs and HKDF come from crypto.js.

import { hex, randomHex, sha1Hex } from './formats.js';
import { bytesOf, hkdf, hmacSha256, sha256 } from './crypto.js';
import { MAX_NAMEPLATE, randomShortCode } from './shortcode.js';
import { awaitAccepted } from './signaling.js';
import { Reading } from './formats.js';
import { sleep } from './gateway.js';

export const WRONG_CODE = 'wrong code, or someone interfered: start again with a new code';

/** The one failure of a key exchange that the code itself causes: wrong words, or a third party. */
export class WrongCode extends Error {
  constructor() {
    super(WRONG_CODE);
  }
}

const VERSION = 'webrtc-dht-signaling/pake/v1';
const ID_A = bytesOf('offerer');
const ID_B = bytesOf('answerer');
// RFC 9382, section 6: M and N for P-256 (compressed), points nobody knows the discrete logarithm of.
const M_HEX = '02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f';
const N_HEX = '03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49';
const FIRST_RANGE = 99;
const PICKS_PER_RANGE = 4;
const SETTLE_MS = 200;

let curve = null;

/** P-256's point class, loaded on first use. */
function points() {
  if (!curve) curve = import('./vendor/noble-curves/nist.js').then((m) => m.p256.Point);
  return curve;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bigintOf(bytes) {
  return bytes.length === 0 ? 0n : BigInt(`0x${hex(bytes)}`);
}

function fixed32(value) {
  const h = value.toString(16).padStart(64, '0');
  return Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
}

function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** w = HKDF-SHA256(salt ".../password", password, info "P-256 w", 48 bytes) mod n (PasswordScalar.java). */
export async function passwordScalar(password) {
  const Point = await points();
  const n = Point.Fn.ORDER;
  const w = bigintOf(await hkdf(bytesOf(password), bytesOf(`${VERSION}/password`), 'P-256 w', 48)) % n;
  return w === 0n ? 1n : w;
}

/** The transcript TT of RFC 9382: each part with its length, 8 bytes little-endian, before it. */
function transcript(parts) {
  const pieces = [];
  for (const p of parts) {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(p.length), true);
    pieces.push(len, p);
  }
  return concat(...pieces);
}

/** One side of one SPAKE2 exchange (Spake2.java): role 'A' (the offerer) or 'B' (the answerer). */
export class Spake2 {
  static async start(role, w) {
    const Point = await points();
    const n = Point.Fn.ORDER;
    let scalar = 0n;
    while (scalar === 0n) scalar = bigintOf(crypto.getRandomValues(new Uint8Array(40))) % n;
    const blind = Point.fromHex(role === 'A' ? M_HEX : N_HEX);
    const s = new Spake2();
    s.Point = Point;
    s.role = role;
    s.w = w;
    s.scalar = scalar;
    s.message = blind.multiply(w).add(Point.BASE.multiply(scalar)).toBytes(false);
    return s;
  }

  /**
   * The keys from the other side's message, or null when it is not an uncompressed point of P-256 (or
   * makes the shared point the identity): {ke, ours (our confirmation MAC), confirms(mac)}.
   */
  async finish(peerMessage, aad) {
    const { Point } = this;
    let peer;
    try {
      if (!peerMessage || peerMessage.length !== 65 || peerMessage[0] !== 0x04) return null;
      peer = Point.fromBytes(peerMessage);
      peer.assertValidity();
    } catch {
      return null;
    }
    const unblind = Point.fromHex(this.role === 'A' ? N_HEX : M_HEX).multiply(this.w);
    const difference = peer.subtract(unblind);
    if (difference.is0()) return null;
    const k = difference.multiply(this.scalar);
    if (k.is0()) return null;
    const pA = this.role === 'A' ? this.message : peerMessage;
    const pB = this.role === 'A' ? peerMessage : this.message;
    const tt = transcript([ID_A, ID_B, pA, pB, k.toBytes(false), fixed32(this.w)]);
    const hash = await sha256(tt);
    const ke = hash.slice(0, 16);
    const ka = hash.slice(16, 32);
    const kc = await hkdf(ka, new Uint8Array(0), concat(bytesOf('ConfirmationKeys'), aad), 32);
    const cA = await hmacSha256(kc.slice(0, 16), tt);
    const cB = await hmacSha256(kc.slice(16, 32), tt);
    const ours = this.role === 'A' ? cA : cB;
    const theirs = this.role === 'A' ? cB : cA;
    return { ke, ours, confirms: (mac) => equalBytes(mac, theirs) };
  }
}

/** The AAD of the confirmation keys: the version, the nameplate (4 bytes) and the exchange id. */
export function aad(nameplate, id) {
  const n = new Uint8Array(4);
  new DataView(n.buffer).setUint32(0, nameplate);
  return concat(bytesOf(VERSION), n, id);
}

/** The root key of the sealed exchange that follows: HKDF from Ke, salted with the exchange id. */
export function sessionKey(ke, id) {
  return hkdf(ke, id, `${VERSION}/session`, 32);
}

// ------------------------------------------------------------------------------ values (PakeMessage.java)

const MAGIC = bytesOf('WDP1');
const KINDS = { C: 65, R: 97, K: 32, X: 0 };

/** "WDP1" | kind | id (16) | expires (Unix ms, 8 bytes big-endian) | C: pA  R: pB, cB  K: cA  X: nothing. */
export function encodeMessage(kind, id, expiresMs, point = null, mac = null) {
  const head = new Uint8Array(29);
  head.set(MAGIC);
  head[4] = kind.charCodeAt(0);
  head.set(id, 5);
  new DataView(head.buffer).setBigUint64(21, BigInt(expiresMs));
  return concat(head, point || new Uint8Array(0), mac || new Uint8Array(0));
}

/** A value read back, or null for anything else (junk, cleared, truncated: as good as nothing). */
export function decodeMessage(value) {
  if (!value || value.kind !== 'bytes') return null;
  const b = value.bytes;
  if (b.length < 29 || !MAGIC.every((x, i) => b[i] === x)) return null;
  const kind = String.fromCharCode(b[4]);
  if (!(kind in KINDS) || b.length !== 29 + KINDS[kind]) return null;
  const expires = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(21));
  return {
    kind,
    id: b.slice(5, 21),
    idHex: hex(b.slice(5, 21)),
    expires,
    point: kind === 'C' || kind === 'R' ? b.slice(29, 94) : null,
    mac: kind === 'R' ? b.slice(94, 126) : kind === 'K' ? b.slice(29, 61) : null,
  };
}

function live(m, now = Date.now()) {
  return m !== null && now < m.expires;
}

/** The two public keys of a nameplate, as KademliaBoard names them. */
export async function nameplateKeys(nameplate, offerName, answerName) {
  return {
    offerer: await sha1Hex(`${offerName}/pake/v1/${nameplate}`),
    answerer: await sha1Hex(`${answerName}/pake/v1/${nameplate}`),
  };
}

// --------------------------------------------------------------------------------------- the handshake

/** What both sides share: the gateway, the key names, the time limit, the transcript. */
class Handshake {
  constructor({ gateway, offerName = 'webrtc-offer', answerName = 'webrtc-answer', timeoutMs, signal, log, warn }) {
    Object.assign(this, { gateway, offerName, answerName, timeoutMs, signal, log, warn });
    this.written = null;
  }

  async put(key, data) {
    if (data !== '') this.written = key;
    await this.gateway.put(key, data, this.signal);
  }

  /** Clears what we wrote last (a claim, a confirmation, a reply), so the nameplate is free again. */
  release() {
    const key = this.written;
    this.written = null;
    if (key) this.gateway.put(key, '').catch((e) => this.warn(`clearing the nameplate failed: ${e.message}`));
  }

  async read(key) {
    return decodeMessage((await this.gateway.get(key, this.signal)).value);
  }
}

/**
 * The offering side: claims a free nameplate with a new code (shown through `onCode`), waits for an
 * answerer's reply, checks it once and confirms or abandons. Resolves with {code, rootKey}.
 */
export class OfferingHandshake extends Handshake {
  async run(list, onCode) {
    const deadline = Date.now() + this.timeoutMs;
    let claim = await this.claim(list, new Set());
    onCode(claim.code);
    while (true) {
      const found = await awaitAccepted(this.gateway, [claim.keys.answerer, claim.keys.offerer], async (i, value) => {
        const m = decodeMessage(value);
        if (i === 0) return m && m.kind === 'R' && m.idHex === claim.idHex ? Reading.accepted(m) : Reading.empty();
        return this.keepClaim(claim, m);
      }, {
        limitMs: Math.max(1, deadline - Date.now()), what: 'reply of an answerer',
        where: `nameplate ${claim.code.nameplate}`, signal: this.signal, onRefused: this.warn,
      });
      if (found.reading.message.moved) {
        this.warn(`another offerer took nameplate ${claim.code.nameplate} at the same moment; the code ${claim.code} is withdrawn, use the new one`);
        claim = await this.claim(list, new Set([claim.code.nameplate]));
        onCode(claim.code);
        continue;
      }
      return this.check(claim, found.reading.message);
    }
  }

  /** A free nameplate, our claim written there and read back (PakeHandshake.claim). */
  async claim(list, busy) {
    let range = FIRST_RANGE;
    for (let tries = 0; ; ) {
      if (tries > 0 && tries % PICKS_PER_RANGE === 0 && range < MAX_NAMEPLATE) range = Math.min(MAX_NAMEPLATE, range * 10 + 9);
      if (++tries > 5 * PICKS_PER_RANGE) throw new Error(`found no free nameplate after ${tries - 1} tries (${busy.size} in use); try again later`);
      const nameplate = 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % range);
      if (busy.has(nameplate)) continue;
      const keys = await nameplateKeys(nameplate, this.offerName, this.answerName);
      if (live(await this.read(keys.offerer))) {
        busy.add(nameplate);
        continue;
      }
      const code = randomShortCode(nameplate, list);
      const idHex = randomHex(16);
      const id = Uint8Array.from(idHex.match(/../g), (b) => parseInt(b, 16));
      const spake = await Spake2.start('A', await passwordScalar(code.password()));
      const value = encodeMessage('C', id, Date.now() + this.timeoutMs, spake.message);
      await this.put(keys.offerer, value);
      await sleep(SETTLE_MS, this.signal);  // an offerer that picked the same nameplate shows up meanwhile
      const after = await this.read(keys.offerer);
      if (live(after) && after.idHex !== idHex) {
        busy.add(nameplate);
        continue;
      }
      if (!after || after.idHex !== idHex) await this.put(keys.offerer, value);
      return { code, keys, id, idHex, spake, value };
    }
  }

  /** While waiting: a smaller claim of another offerer at our nameplate sends us away; junk there is replaced. */
  keepClaim(claim, m) {
    if (m && m.idHex === claim.idHex) return Reading.empty();
    if (live(m) && m.kind === 'C' && m.idHex < claim.idHex) return Reading.accepted({ moved: true });
    this.put(claim.keys.offerer, claim.value).catch((e) => this.warn(`storing our claim again failed: ${e.message}`));
    return Reading.refused('something replaced our claim at the nameplate; writing it again');
  }

  /** The single check of a reply: confirm and go on, or abandon the code and fail. */
  async check(claim, reply) {
    const keys = await claim.spake.finish(reply.point, aad(claim.code.nameplate, claim.id));
    const linger = Date.now() + this.timeoutMs;
    if (keys === null || !keys.confirms(reply.mac)) {
      await this.put(claim.keys.offerer, encodeMessage('X', claim.id, linger)).catch(() => {});
      throw new WrongCode();
    }
    await this.put(claim.keys.offerer, encodeMessage('K', claim.id, linger, null, keys.ours));
    return { code: claim.code, rootKey: await sessionKey(keys.ke, claim.id) };
  }
}

/**
 * The joining side: replies to the live claim at the code's nameplate and checks the offerer's
 * confirmation. Resolves with {code, rootKey}.
 */
export class JoiningHandshake extends Handshake {
  async run(code) {
    const deadline = Date.now() + this.timeoutMs;
    const keys = await nameplateKeys(code.nameplate, this.offerName, this.answerName);
    const w = await passwordScalar(code.password());
    const refused = new Set();
    while (true) {
      const found = await awaitAccepted(this.gateway, [keys.offerer], async (i, value) => {
        const m = decodeMessage(value);
        if (!live(m)) return Reading.empty();
        if (m.kind === 'C' && !refused.has(m.idHex)) return Reading.accepted(m);
        if (m.kind === 'K' || m.kind === 'X') return Reading.accepted({ used: true });
        return Reading.empty();
      }, {
        limitMs: Math.max(1, deadline - Date.now()), what: 'offerer', where: `nameplate ${code.nameplate}`,
        signal: this.signal, onRefused: this.warn,
      }).catch((e) => {
        throw new Error(`${e.message.replace(/^no offerer under/, 'no offerer waits at')} (check the code, and that the offerer is running and uses this DHT)`);
      });
      const claim = found.reading.message;
      // The offerer has settled with someone else, or abandoned the code after a wrong reply: the code is spent.
      if (claim.used) throw new WrongCode();
      const spake = await Spake2.start('B', w);
      const agreed = await spake.finish(claim.point, aad(code.nameplate, claim.id));
      if (agreed === null) {
        this.warn(`ignoring the claim at nameplate ${code.nameplate}: it is not a SPAKE2 message`);
        refused.add(claim.idHex);
        continue;
      }
      const reply = encodeMessage('R', claim.id, claim.expires, spake.message, agreed.ours);
      await this.put(keys.answerer, reply);
      const answered = await awaitAccepted(this.gateway, [keys.offerer, keys.answerer], async (i, value) => {
        const m = decodeMessage(value);
        if (i === 1) {
          if (!(m && m.kind === 'R' && m.idHex === claim.idHex && m.mac.every((x, j) => x === agreed.ours[j]))) {
            this.put(keys.answerer, reply).catch(() => {});  // overwritten before the offerer read it
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
}
