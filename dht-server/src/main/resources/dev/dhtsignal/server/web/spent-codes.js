// The short codes this browser has tried a key exchange with (SpentCodes.java, in the browser's storage): an
// offering page does not run a code again once it has checked a reply to it, and a joining page does not
// run a code again once it has replied to a claim of it, or found the code's exchange ended. Each try can
// test one guess of the words; the public "this code is spent" marker on the DHT can be erased by anyone,
// this memory cannot (by anyone else).
//
// What is kept, as the Java peers keep it: per code, the hex SHA-256 of
// "webrtc-dht-signaling/pake/v1/spent\n" || role ("offerer" or "answerer") || "\n" || the canonical code,
// never the words apart from that hash; the newest 2048. Where: the page's localStorage, under one item,
// so per browser profile and per origin (the gateway's scheme, host and port: the same gateway reached
// by another name or address is another memory). Best effort: storage that cannot be read or written
// (turned off, full, a private window that forgets it on closing) is said once in the transcript and the
// page remembers in memory for as long as it is open.

import { bytesOf, sha256 } from './crypto.js';
import { hex } from './formats.js';

const LABEL = 'webrtc-dht-signaling/pake/v1/spent\n';
const ITEM = 'webrtc-dht-signaling/spent-codes';
export const LIMIT = 2048;

/** This page's memory of spent codes: {@link isSpent} and {@link spend}, by role ('offerer' or 'answerer'). */
export class SpentCodes {
  /** @param warn called once, with a line for the transcript, when the browser's storage fails */
  constructor(warn = () => {}, storage = defaultStorage()) {
    this.warn = warn;
    this.storage = storage;
    this.here = new Set();
    this.warned = false;
  }

  async isSpent(role, code) {
    const entry = await entryOf(role, code);
    return this.here.has(entry) || this.read().includes(entry);
  }

  /** Remembers that this role has tried `code`: called before the try can leave this page. */
  async spend(role, code) {
    const entry = await entryOf(role, code);
    this.here.add(entry);
    // Read again just before writing: another tab of this browser may have added codes meanwhile.
    const entries = this.read();
    if (entries.includes(entry)) return;
    entries.push(entry);
    try {
      if (!this.storage) throw new Error('the browser gives this page no localStorage');
      this.storage.setItem(ITEM, entries.slice(-LIMIT).join('\n'));
    } catch (e) {
      this.warnOnce(`cannot remember the spent short code in this browser's storage (${e.message}); it is remembered while this page is open`);
    }
  }

  /** The well-formed entries kept (64 hex digits each); anything else there is skipped. */
  read() {
    try {
      if (!this.storage) return [];
      const text = this.storage.getItem(ITEM) || '';
      return text.split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line));
    } catch (e) {
      this.warnOnce(`cannot read the spent short codes in this browser's storage (${e.message}); going on without them`);
      return [];
    }
  }

  warnOnce(line) {
    if (this.warned) return;
    this.warned = true;
    this.warn(line);
  }
}

/** The entry of a code: the same hash the Java peers keep in their file. */
export async function entryOf(role, code) {
  return hex(await sha256(bytesOf(`${LABEL}${role}\n${code}`)));
}

function defaultStorage() {
  try {
    return globalThis.localStorage || null;  // reading the property itself throws where storage is blocked
  } catch {
    return null;
  }
}
