// The parts of a short code's key exchange, as the Java peers make them (Spake2.java, PakeMessage.java,
// docs/security.md "Short codes"): SPAKE2 (RFC 9382, SPAKE2-P256-SHA256-HKDF-HMAC) with key confirmation,
// the values written under the two public keys of a nameplate, which of them are live, and the root key of
// the sealed offer and answer that follow (one slot). The exchange itself, its rules against squatting and
// second guesses, is handshake.js. The curve arithmetic is @noble/curves' P-256 (vendored, loaded only when
// a short code is used); hashes, MACs and HKDF come from crypto.js.

import { LONGEST_LIFETIME_MS, LONGEST_WAIT_MS, hex, sha1Hex } from './formats.js';
import { bytesOf, hkdf, hmacSha256, sha256 } from './crypto.js';

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

/**
 * Whether a value still counts (PakeMessage.isLive): it has not expired, and its expiry is at most the
 * longest wait and the clock allowance (12 min) ahead. Our peers write expiries at most their wait ahead; a
 * value that says it lives until the year 3000 was written to hold the nameplate (a value stays on the
 * original network's nodes for a week), so it is read as junk, not as a nameplate in use.
 */
export function isLive(m, now = Date.now()) {
  return m !== null && now < m.expires && m.expires <= now + LONGEST_LIFETIME_MS;
}

/** When what we write now expires: after our wait, and never further ahead than readers believe. */
export function expiryAfter(timeoutMs, now = Date.now()) {
  return now + Math.min(timeoutMs, LONGEST_WAIT_MS);
}

/** The two public keys of a nameplate, as KademliaBoard names them. */
export async function nameplateKeys(nameplate, offerName, answerName) {
  return {
    offerer: await sha1Hex(`${offerName}/pake/v1/${nameplate}`),
    answerer: await sha1Hex(`${answerName}/pake/v1/${nameplate}`),
  };
}
