// What two connected peers say once the channel is open (docs/file-transfer.md): chat lines and files
// on the negotiated channel `peer` (id 1000) when the other side speaks it, plain text lines on `chat`
// otherwise (the original Python peers).

import { hex } from './formats.js';
import { sha256OfBlob } from './crypto.js';
import { displayable } from './peertext.js';

const PEER_CHANNEL_ID = 1000;
const MAX_JSON_BYTES = 64 * 1024;
// What one peer may make this page hold (docs/file-transfer.md, "Limits"): a peer beyond them is a
// broken or hostile one, and its session is closed with the reason; other sessions are not touched.
/** A chat line, assembled from its parts, in UTF-16 code units (JavaScript's and Java's string length). */
export const MAX_LINE = 1024 * 1024;
/** A single text message on `peer` (a control message or a part of a line), in bytes of UTF-8. */
export const MAX_CONTROL_MESSAGE = 64 * 1024;
/** Messages kept from before the conversation takes over (the greetings' time), in bytes or UTF-16 units. */
const MAX_EARLY = MAX_LINE + MAX_CONTROL_MESSAGE;
/** Replies about our outgoing file not yet read (one at a time is the protocol; a few in flight at most). */
const MAX_PENDING_REPLIES = 8;
/** Reasons and names shown from a peer are cut to this many characters. */
const MAX_SHOWN = 500;
const CHUNK_BYTES = 64 * 1024;
const MAX_RECEIVED_CHUNK = 256 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Received files are kept in memory until saved; larger ones are refused with a reason. */
export const MAX_RECEIVED_FILE = 1024 * 1024 * 1024;
const DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/** Both sides create the `peer` channel themselves (negotiated), right after the peer connection. */
export function createPeerChannel(pc) {
  const channel = pc.createDataChannel('peer', { negotiated: true, id: PEER_CHANNEL_ID });
  channel.binaryType = 'arraybuffer';
  // The other side may speak on it before the greetings are through (channels are not ordered with
  // each other); keep what comes until the conversation takes over.
  channel.early = [];
  channel.earlySize = 0;
  channel.onmessage = (e) => {
    channel.earlySize += typeof e.data === 'string' ? e.data.length : e.data.byteLength;
    if (channel.earlySize > MAX_EARLY) {
      channel.overflow = `the other peer sent more than ${MAX_EARLY} bytes before the greetings were through`;
      channel.early = [];
      channel.onmessage = null;
      return;
    }
    channel.early.push(e.data);
  };
  return channel;
}

/** The safe part of a file name, or null when the doc's rules refuse it. */
export function safeName(name) {
  const base = displayable(String(name).split(/[/\\]/).pop()).replace(/\t/g, '\ufffd');
  if (base === '' || base === '.' || base === '..' || base.startsWith('.') || DEVICE.test(base)) return null;
  if (new TextEncoder().encode(base).length > 255) return null;
  return base;
}

function splitLine(text) {
  const parts = [];
  let rest = text;
  // Characters, not bytes: 16 K characters are at most 64 KiB of UTF-8 with the JSON around them in check.
  const max = Math.floor(MAX_JSON_BYTES / 4) - 64;
  while (rest.length > max) {
    let cut = max;
    if (/[\ud800-\udbff]/.test(rest[cut - 1])) cut--;  // never split a surrogate pair
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  parts.push(rest);
  return parts;
}

/** A reason or name from the other peer, as text and cut to a length a person reads. */
function shown(value) {
  return value === undefined || value === null ? '' : String(value).slice(0, MAX_SHOWN);
}

async function sha256Hex(blob) {
  return hex(await sha256OfBlob(blob));
}

/**
 * One connection's conversation. Events for the page: onLine(text), onNotice(text),
 * onFile(transfer) and onProgress(transfer) where transfer = {direction, id, name, size, done, state, reason, url}.
 */
export class Conversation {
  constructor({ pc, chat, peer, speaksPeer, handlers }) {
    this.pc = pc;
    this.chat = chat;
    this.peer = peer;
    this.speaksPeer = speaksPeer;
    this.h = handlers;
    this.linesSent = 0;
    this.linesAcked = 0;
    this.linesReceived = 0;
    this.partial = '';
    this.nextId = 1;
    this.sending = null;   // our outgoing file: {id, waiters}
    this.queue = Promise.resolve();
    this.incoming = null;  // the file the other side is sending us
    this.ackPending = false;
    this.closed = false;
    if (speaksPeer) {
      peer.onmessage = (e) => this.onPeerMessage(e.data);
      (peer.early || []).forEach((data) => this.onPeerMessage(data));
      peer.early = [];
      peer.bufferedAmountLowThreshold = LOW_WATER;
      if (peer.overflow) queueMicrotask(() => this.refusePeer(peer.overflow));
    } else {
      chat.addEventListener('message', (e) => {
        const line = String(e.data);
        if (line.length > MAX_LINE) this.refusePeer(`the other peer sent a line of ${line.length} characters, more than ${MAX_LINE}`);
        else this.h.onLine(line);
      });
    }
    for (const c of [chat, peer]) {
      c.addEventListener('close', () => this.onClosed());
    }
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.onClosed();
    });
  }

  /**
   * A peer over one of the limits: says why, here and to the other side (a `close` message, as the Java
   * peers send it), and closes this session (its connection), nothing else.
   */
  refusePeer(reason) {
    if (this.closed) return;
    this.h.onNotice(`closed the connection: ${reason}`);
    if (this.speaksPeer && this.peer.readyState === 'open') {
      try {
        this.sendJson({ type: 'close', reason: reason.replace(/^the other peer/, 'you') });
        // Closing the channels, not yet the connection, lets what was sent go first (a data channel's
        // closing procedure delivers what is queued); the connection follows, at the latest in 2 s.
        this.onClosed();
        this.chat.close();
        this.peer.close();
        const end = () => this.pc.close();
        this.peer.addEventListener('close', end, { once: true });
        setTimeout(end, 2000);
        return;
      } catch {
        // the channel is going anyway
      }
    }
    this.close();
  }

  /** Closes without another word: the other side has said why it closes. Nothing after this is read. */
  closeQuietly() {
    this.closedByPeer = true;
    this.close();
  }

  onClosed() {
    if (this.closed) return;
    this.closed = true;
    if (this.incoming) {
      const t = this.incoming.transfer;
      this.failIncoming(`the connection ended after ${t.done} of ${t.size} bytes`);
    }
    if (this.sending) this.sending.settle({ type: 'file-failed', reason: 'the connection ended' });
    this.h.onClosed();
  }

  sendJson(o) {
    this.peer.send(JSON.stringify(o));
  }

  /** Sends one chat line. */
  sendLine(text) {
    if (!this.speaksPeer) {
      this.chat.send(text);
      return;
    }
    const parts = splitLine(text);
    parts.forEach((part, i) => {
      const m = { type: 'line', text: part };
      if (i < parts.length - 1) m.more = true;
      this.sendJson(m);
    });
    this.linesSent++;
  }

  onPeerMessage(data) {
    if (this.closed) return;
    if (typeof data !== 'string') {
      this.onChunk(new Uint8Array(data));
      return;
    }
    // 3 bytes of UTF-8 at most per UTF-16 unit: only a long message needs counting.
    if (data.length * 3 > MAX_CONTROL_MESSAGE) {
      const bytes = new TextEncoder().encode(data).length;
      if (bytes > MAX_CONTROL_MESSAGE) {
        this.refusePeer(`the other peer sent a message of ${bytes} bytes, more than ${MAX_CONTROL_MESSAGE}`);
        return;
      }
    }
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      this.h.onNotice('ignored a message that is not JSON');
      return;
    }
    switch (m.type) {
      case 'line': {
        const part = String(m.text ?? '');
        if (this.partial.length + part.length > MAX_LINE) {
          this.partial = '';
          this.refusePeer(`the other peer sent a line of more than ${MAX_LINE} characters`);
          return;
        }
        this.partial += part;
        if (!m.more) {
          const line = this.partial;
          this.partial = '';
          this.linesReceived++;
          this.scheduleAck();
          this.h.onLine(line);
        }
        break;
      }
      case 'ack':
        this.linesAcked = Math.max(this.linesAcked, Number(m.lines) || 0);
        break;
      case 'end':
        this.h.onNotice(`the other peer has nothing more to send (${Number(m.lines)} line(s) in all)`);
        break;
      case 'file':
        this.onFileOffered(m);
        break;
      case 'file-end':
        this.onFileEnd(m);
        break;
      case 'close':
        // "I am closing this session, and this is why" (docs/file-transfer.md): the last message a side sends.
        this.closeReason = shown(m.reason) || 'no reason given';
        this.h.onNotice(`the other peer closed the connection: ${this.closeReason}`);
        this.closeQuietly();
        break;
      case 'file-cancel':
        if (this.incoming && this.incoming.id === m.id) this.failIncoming(`the sender cancelled: ${shown(m.reason) || 'no reason given'}`, false);
        break;
      case 'file-accept':
      case 'file-refuse':
      case 'file-ok':
      case 'file-failed':
        if (this.sending && this.sending.id === m.id) this.sending.reply(m);
        break;
      default:
        break;  // later versions may add types
    }
  }

  scheduleAck() {
    if (this.ackPending) return;
    this.ackPending = true;
    setTimeout(() => {
      this.ackPending = false;
      if (!this.closed) this.sendJson({ type: 'ack', lines: this.linesReceived });
    }, 0);
  }

  // ------------------------------------------------------------------------------------ receiving files

  onFileOffered(m) {
    const id = m.id;
    const name = safeName(m.name ?? '');
    const size = Number(m.size);
    const refuse = (reason) => {
      this.sendJson({ type: 'file-refuse', id, reason });
      this.h.onNotice(`refused a file: ${reason}`);
    };
    if (this.incoming) return refuse('another file from you is still arriving');
    if (name === null) return refuse(`the name '${shown(m.name).slice(0, 100)}' is not a safe file name`);
    if (!Number.isSafeInteger(size) || size < 0) return refuse('the size is not a whole number of bytes');
    if (size > MAX_RECEIVED_FILE) return refuse(`${name} has ${size} bytes; this page keeps at most ${MAX_RECEIVED_FILE} in memory`);
    const transfer = { direction: 'in', id, name, size, done: 0, state: 'receiving', reason: null, url: null };
    this.incoming = { id, transfer, chunks: [] };
    this.h.onFile(transfer);
    this.sendJson({ type: 'file-accept', id });
  }

  onChunk(bytes) {
    const inc = this.incoming;
    if (!inc) {
      this.h.onNotice('ignored file bytes that belong to no file');
      return;
    }
    if (bytes.length > MAX_RECEIVED_CHUNK || inc.transfer.done + bytes.length > inc.transfer.size) {
      this.failIncoming(`more bytes arrived than the announced ${inc.transfer.size}`);
      return;
    }
    inc.chunks.push(bytes);
    inc.transfer.done += bytes.length;
    this.h.onProgress(inc.transfer);
  }

  async onFileEnd(m) {
    const inc = this.incoming;
    if (!inc || inc.id !== m.id) return;
    this.incoming = null;
    const t = inc.transfer;
    if (t.done !== t.size) {
      this.finishIncoming(t, false, `${t.done} of ${t.size} bytes arrived`);
      return;
    }
    const blob = new Blob(inc.chunks, { type: 'application/octet-stream' });
    const digest = await sha256Hex(blob);
    if (digest !== String(m.sha256).toLowerCase()) {
      this.finishIncoming(t, false, 'SHA-256 mismatch');
      return;
    }
    t.url = URL.createObjectURL(blob);
    t.sha256 = digest;
    this.finishIncoming(t, true);
  }

  failIncoming(reason, tell = true) {
    const inc = this.incoming;
    this.incoming = null;
    if (inc) this.finishIncoming(inc.transfer, false, reason, tell);
  }

  finishIncoming(t, ok, reason = null, tell = true) {
    t.state = ok ? 'done' : 'failed';
    t.reason = reason;
    if (tell && !this.closed) {
      this.sendJson(ok ? { type: 'file-ok', id: t.id } : { type: 'file-failed', id: t.id, reason });
    }
    this.h.onProgress(t);
  }

  // -------------------------------------------------------------------------------------- sending files

  /** Queues a File for sending (one at a time); resolves with the finished transfer. */
  sendFile(file) {
    const result = this.queue.then(() => this.transmit(file));
    this.queue = result.catch(() => {});
    return result;
  }

  async transmit(file) {
    if (!this.speaksPeer) throw new Error('the other peer cannot receive files (it is one of the original peers)');
    const id = this.nextId++;
    const transfer = { direction: 'out', id, name: file.name, size: file.size, done: 0, state: 'offered', reason: null, url: null };
    this.h.onFile(transfer);
    const replies = [];
    let wake = null;
    let settled = null;
    const sending = {
      id,
      reply: (m) => {
        if (replies.length >= MAX_PENDING_REPLIES) {
          this.refusePeer(`the other peer sent more than ${MAX_PENDING_REPLIES} replies about one file`);
          return;
        }
        replies.push(m);
        if (wake) wake();
      },
      settle: (m) => sending.reply(m),
    };
    this.sending = sending;
    const nextReply = async () => {
      while (replies.length === 0) await new Promise((r) => { wake = r; });
      return replies.shift();
    };
    try {
      const hash = sha256Hex(file);
      this.sendJson({ type: 'file', id, name: file.name, size: file.size });
      const first = await nextReply();
      if (first.type !== 'file-accept') {
        settled = { state: 'refused', reason: shown(first.reason) || 'refused' };
        return transfer;
      }
      transfer.state = 'sending';
      this.h.onProgress(transfer);
      for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
        if (replies.length > 0 && replies[0].type === 'file-failed') break;
        if (this.peer.bufferedAmount >= HIGH_WATER) await this.drained();
        if (this.closed) throw new Error('the connection ended');
        const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
        this.peer.send(chunk);
        transfer.done = offset + chunk.length;
        this.h.onProgress(transfer);
      }
      this.sendJson({ type: 'file-end', id, sha256: await hash });
      transfer.state = 'sent';
      this.h.onProgress(transfer);
      const last = await nextReply();
      settled = last.type === 'file-ok' ? { state: 'done', reason: null } : { state: 'failed', reason: shown(last.reason) || 'failed' };
      return transfer;
    } catch (e) {
      settled = { state: 'failed', reason: e.message };
      return transfer;
    } finally {
      this.sending = null;
      Object.assign(transfer, settled);
      this.h.onProgress(transfer);
    }
  }

  drained() {
    return new Promise((resolve) => {
      const done = () => {
        this.peer.removeEventListener('bufferedamountlow', done);
        this.peer.removeEventListener('close', done);
        resolve();
      };
      this.peer.addEventListener('bufferedamountlow', done);
      this.peer.addEventListener('close', done);
    });
  }

  close() {
    this.chat.close();
    this.peer.close();
    this.pc.close();
    this.onClosed();
  }
}
