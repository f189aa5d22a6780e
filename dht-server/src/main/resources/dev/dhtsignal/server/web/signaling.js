// The offer/answer exchange through the DHT, with the Java peers' rules: offers live in slots, carry a
// random offer_id and an expiry; an answer names the offer it answers; stale values are never taken;
// the offerer clears both keys once it has the answer. (Offerer.java and Answerer.java do the same.)

import { CLOCK_SKEW_MS, LONGEST_LIFETIME_MS, LONGEST_WAIT_MS, Reading, isCleared, randomHex } from './formats.js';
import { GatewayError, sleep } from './gateway.js';
import { MAX_CONTROL_MESSAGE, createPeerChannel } from './conversation.js';

export const DEFAULTS = {
  slots: 4,
  timeoutMs: 60000,
  connectTimeoutMs: 20000,
  iceGatheringMs: 5000,
  label: 'chat',
};

const LONG_POLL_SECONDS = 20;

function sameValue(a, b) {
  if (!a || !b || a.kind !== b.kind) return false;
  if (a.kind === 'text') return a.text === b.text;
  if (a.kind === 'bytes') return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
  return false;
}

function seconds(ms) {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Why a message cannot be live now, or null when nothing says so (SignalMessage.notLiveBecause): created
 * more than the clock skew ahead of our clock, a lifetime longer than any offerer waits (an expiry in the
 * year 3000 would hold a slot for as long as the DHT keeps it), or expired. The original peers' messages
 * carry no times.
 */
export function notLiveBecause(m, now = Date.now()) {
  if (m.created_ms != null && m.created_ms > now + CLOCK_SKEW_MS) {
    return `it claims to be created ${Math.round((m.created_ms - now) / 1000)} s from now (the peers' clocks differ by more than ${CLOCK_SKEW_MS / 60000} min, or it is forged)`;
  }
  if (m.expires_ms != null && m.created_ms == null) {
    return 'it has an expiry but no creation time (our offerers write both: forged)';
  }
  if (m.expires_ms != null && m.expires_ms - m.created_ms > LONGEST_LIFETIME_MS) {
    return `it claims to live ${Math.round((m.expires_ms - m.created_ms) / 60000)} min, longer than any offerer waits (10 min): forged, or left to hold the slot`;
  }
  if (m.expires_ms != null && m.expires_ms <= now) {
    return `it expired ${Math.round((now - m.expires_ms) / 1000)} s ago`;
  }
  return null;
}

/**
 * Watches several keys with long-polls until `decide(index, value)` accepts a value, and resolves with
 * {index, message, extra, value}. Refused values are reported through `onRefused` and waited past.
 * `initialTags[i]` is the tag of a value already known under key i (it is not read again).
 */
export async function awaitAccepted(gateway, keys, decide, { limitMs, what, where, signal, onRefused, initialTags = [] }) {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal.addEventListener('abort', abort, { once: true });
  const refusals = [];
  let unopened = 0;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const more = refusals.length === 0 ? ''
        : unopened === refusals.length
          ? `; ${unopened} value(s) were there but none opened: forged, tampered, or sealed with another secret`
          : `; refused: ${refusals.slice(-3).join('; ')}`;
      reject(new Error(`no ${what} under ${where} within ${seconds(limitMs)} through the gateway${more}`));
    }, limitMs);
  });
  const watchers = keys.map(async (key, index) => {
    let etag = initialTags[index] ?? null;
    let failures = 0;
    while (!stop.signal.aborted) {
      let seen;
      try {
        seen = await gateway.watch(key, etag, LONG_POLL_SECONDS, stop.signal);
        failures = 0;
      } catch (e) {
        // A DHT lookup that failed or timed out (5xx), or a moment without the gateway: try again a few
        // times, as the Java peers poll on; a refusal (4xx) is final.
        if (stop.signal.aborted || !(e instanceof GatewayError) || (e.status >= 400 && e.status < 500) || ++failures > 5) throw e;
        onRefused(`${what}: ${e.message}; trying again`);
        await sleep(1000 * failures, stop.signal);
        continue;
      }
      if (!seen.changed) continue;
      etag = seen.etag;
      if (seen.value === null) continue;
      const reading = await decide(index, seen.value);
      if (reading.state === 'accepted') return { index, reading, value: seen.value };
      if (reading.state === 'refused' || reading.state === 'unopened') {
        if (reading.state === 'unopened') unopened++;
        refusals.push(reading.why);
        onRefused(`${what}: ${reading.why}`);
      }
    }
    return new Promise(() => {});
  });
  try {
    return await Promise.race([deadline, ...watchers]);
  } finally {
    clearTimeout(timer);
    stop.abort();
    signal.removeEventListener('abort', abort);
    watchers.forEach((w) => w.catch(() => {}));
  }
}

async function gatheredDescription(pc, limitMs) {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) => {
      const t = setTimeout(resolve, limitMs);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }
  return pc.localDescription;
}

function within(promise, ms, what, signal) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${seconds(ms)}`)), ms);
      signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    }),
  ]).finally(() => clearTimeout(timer));
}

function channelOpen(channel) {
  return channel.readyState === 'open' ? Promise.resolve()
    : new Promise((resolve, reject) => {
      channel.addEventListener('open', resolve, { once: true });
      channel.addEventListener('close', () => reject(new Error('the data channel closed before it opened')), { once: true });
    });
}

/** A greeting is one message: text, at most a control message's size (docs/file-transfer.md, "Limits"). */
function checkGreeting(greeting) {
  if (typeof greeting !== 'string') throw new Error('the other peer greeted with binary data, not text');
  if (greeting.length > MAX_CONTROL_MESSAGE) {
    throw new Error(`the other peer's greeting has ${greeting.length} characters, more than ${MAX_CONTROL_MESSAGE}; not connecting`);
  }
}

function nextMessage(channel) {
  return new Promise((resolve) => {
    channel.addEventListener('message', (e) => resolve(e.data), { once: true });
  });
}

/** What both roles share: the gateway, the format, the keys of every slot, the transcript. */
class Exchange {
  constructor({ gateway, format, options, log, warn, signal }) {
    this.gateway = gateway;
    this.format = format;
    this.options = { ...DEFAULTS, ...options };
    this.log = log;
    this.warn = warn;
    this.signal = signal;
  }

  async prepare() {
    this.keys = await this.format.keys(this.options.slots);
  }

  newPeer() {
    return new RTCPeerConnection({ iceServers: this.options.iceServers || [] });
  }

  /** Clears a key in the background; a failure only means the next run sees (and skips) a stale value. */
  clear(key) {
    this.gateway.put(key, '').catch((e) => this.warn(`clearing a used key failed: ${e.message}`));
  }
}

/**
 * The offering side: publishes an offer in a free slot, waits for the answer to it, opens the channel
 * and greets. Resolves with {pc, channel}.
 */
export class Offerer extends Exchange {
  async connect(greeting = 'Hello from Peer A!') {
    const { options, format, gateway, signal } = this;
    const pc = this.newPeer();
    let ourOfferKey = null;
    try {
      const channel = pc.createDataChannel(options.label);
      const peer = createPeerChannel(pc);
      const firstMessage = nextMessage(channel);
      await pc.setLocalDescription(await pc.createOffer());
      if (format.prepareOffer) format.prepareOffer();
      const [, description] = await Promise.all([this.prepare(), gatheredDescription(pc, options.iceGatheringMs)]);
      const deadline = Date.now() + options.timeoutMs;
      const lost = new Set();
      let answer = null;
      let slot = -1;
      while (answer === null) {
        slot = await this.freeSlot(lost);
        const offerKey = this.keys.offers[slot];
        const answerKey = this.keys.answers[slot];
        const before = await this.clearStaleAnswer(slot);
        const now = Date.now();
        // Never a lifetime readers do not believe (app.js refuses a longer wait when offering).
        const offer = { sdp: description.sdp, type: 'offer', offer_id: randomHex(16), created_ms: now, expires_ms: now + Math.min(options.timeoutMs, LONGEST_WAIT_MS) };
        const published = await format.encodeOffer(offer, offerKey);
        const ours = { message: offer, keys: published.keys, data: published.data };
        const offerTag = await gateway.put(offerKey, published.data, signal);
        if (ourOfferKey === null) {
          this.log('Offer SDP stored in DHT.');
          this.log('Waiting for Answer SDP in DHT...');
        }
        ourOfferKey = offerKey;
        const found = await awaitAccepted(gateway, [answerKey, offerKey], async (i, value) => {
          if (i === 1) return this.readOurSlot(offerKey, ours, value);
          if (sameValue(value, before.value)) return Reading.refused('it was there before our offer (a stale answer)');
          const reading = await format.readAnswer(value, answerKey, ours);
          if (reading.state === 'accepted' && reading.message.created_ms != null) {
            if (reading.message.created_ms < offer.created_ms - CLOCK_SKEW_MS) {
              return Reading.refused(`it was created ${Math.round((offer.created_ms - reading.message.created_ms) / 1000)} s before our offer (a replay, or the peers' clocks differ by more than ${CLOCK_SKEW_MS / 60000} min)`);
            }
            const notLive = notLiveBecause(reading.message);
            if (notLive) return Reading.refused(notLive);
          }
          return reading;
        }, {
          limitMs: Math.max(1, deadline - Date.now()), what: 'answer', where: format.describe('answer', slot), signal,
          onRefused: this.warn, initialTags: [before.tag, offerTag],
        });
        if (found.reading.message.displaced) {
          this.warn(`another offerer's offer replaced ours under ${format.describe('offer', slot)}; offering in another slot`);
          lost.add(slot);
        } else {
          answer = found.reading.message;
        }
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      this.log('Remote description set. WebRTC connection established.');
      this.clear(ourOfferKey);
      this.clear(this.keys.answers[slot]);
      await within(channelOpen(channel), options.connectTimeoutMs, `the data channel '${options.label}' to open (ICE and DTLS with the answerer)`, signal);
      this.log(`Data channel '${options.label}' is open`);
      channel.send(greeting);
      const reply = await within(firstMessage, options.connectTimeoutMs, "the answerer's greeting", signal);
      checkGreeting(reply);
      this.log(`Received message from Peer B: ${reply}`);
      // The answerer speaks the `peer` protocol when its answer names our offer (docs/file-transfer.md).
      return { pc, channel, peer, speaksPeer: Boolean(answer.offer_id) };
    } catch (e) {
      pc.close();
      if (ourOfferKey !== null) this.clear(ourOfferKey);
      throw e;
    }
  }

  /**
   * Reads what replaced our offer under our own offer key (Offerer.java's rule). We leave the slot only
   * for a live offer of another offerer, or a plain offer of the original peers (no id, no expiry), never
   * for junk, "" or a stale offer: anyone can store those, and moving for them would let four stores push
   * us out of every slot. Those are refused and our offer is stored again, so the answerer still finds it.
   */
  async readOurSlot(offerKey, ours, value) {
    if (sameValue(value, { kind: typeof ours.data === 'string' ? 'text' : 'bytes', text: ours.data, bytes: ours.data })) {
      return Reading.empty();
    }
    const reading = isCleared(value) ? Reading.refused('it was cleared') : await this.format.readOffer(value, offerKey);
    if (reading.state === 'accepted') {
      const other = reading.message;
      if (other.offer_id === ours.message.offer_id) return Reading.empty();
      if (other.offer_id == null || other.expires_ms == null) return Reading.accepted({ displaced: true });
      const notLive = notLiveBecause(other);
      if (!notLive) return Reading.accepted({ displaced: true });
      this.restore(offerKey, ours);
      return Reading.refused(`another offer replaced ours, but ${notLive}; keeping our slot`);
    }
    this.restore(offerKey, ours);
    return Reading.refused(`${reading.why || 'an unreadable value replaced our offer'}; keeping our slot`);
  }

  restore(offerKey, ours) {
    if (this.restoring) return;
    this.restoring = true;
    this.warn('something replaced our offer; storing it again');
    this.gateway.put(offerKey, ours.data, this.signal)
      .catch((e) => this.warn(`storing our offer again failed: ${e.message}`))
      .finally(() => { this.restoring = false; });
  }

  /** A slot without a live offer (empty, cleared, expired, unreadable, or the original peers' without expiry). */
  async freeSlot(lost) {
    const { format, gateway } = this;
    const now = Date.now();
    const free = [];
    const reads = await Promise.all(this.keys.offers.map((key) => gateway.get(key, this.signal)));
    for (let i = 0; i < reads.length; i++) {
      if (lost.has(i)) continue;
      const { value } = reads[i];
      const reading = value === null ? Reading.empty() : await format.readOffer(value, this.keys.offers[i]);
      if (reading.state !== 'accepted' || reading.message.expires_ms == null || notLiveBecause(reading.message, now)) {
        free.push(i);
      } else {
        this.warn(`${format.describe('offer', i)} holds a live offer of another offerer`);
      }
    }
    if (free.length === 0) {
      throw new Error(`all ${this.keys.offers.length} offer slots hold live offers of other offerers; try again later, or use a session of your own`);
    }
    return format.sealed ? free[Math.floor(Math.random() * free.length)] : free[0];
  }

  /** Clears an answer left under the slot's answer key, and returns it so it is never taken as ours. */
  async clearStaleAnswer(slot) {
    const key = this.keys.answers[slot];
    const { value, etag } = await this.gateway.get(key, this.signal);
    if (value === null || isCleared(value)) return { value: null, tag: etag };
    this.warn(`clearing a stale answer left under ${this.format.describe('answer', slot)}`);
    const tag = await this.gateway.put(key, '', this.signal);
    return { value, tag };
  }
}

/**
 * The answering side: waits for a live offer in any slot, answers it, and replies to the greeting.
 * Resolves with {pc, channel}.
 */
export class Answerer extends Exchange {
  constructor(args) {
    super(args);
    this.taken = new Set();
  }

  async connect(greeting = 'Hello from Peer B!') {
    const { options, format, gateway, signal } = this;
    this.log('Waiting for Offer SDP in DHT...');
    await this.prepare();
    const found = await awaitAccepted(gateway, this.keys.offers, async (slot, value) => {
      const reading = await format.readOffer(value, this.keys.offers[slot]);
      if (reading.state !== 'accepted') return reading;
      if (this.taken.has(reading.message.offer_id ?? JSON.stringify(value))) return Reading.empty();
      const notLive = notLiveBecause(reading.message);
      if (notLive) return Reading.refused(`${notLive}${notLive.includes('expired') ? ' (left behind by an earlier run)' : ''}`);
      return reading;
    }, { limitMs: options.timeoutMs, what: 'offer', where: `the ${this.keys.offers.length} offer slots`, signal, onRefused: this.warn });
    const offer = found.reading.message;
    this.taken.add(offer.offer_id ?? JSON.stringify(found.value));
    const slot = found.index;
    const pc = this.newPeer();
    try {
      const peer = createPeerChannel(pc);
      const channelPromise = new Promise((resolve) => pc.addEventListener('datachannel', (e) => resolve(e.channel), { once: true }));
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      this.log('Remote description set. Creating Answer SDP...');
      await pc.setLocalDescription(await pc.createAnswer());
      const description = await gatheredDescription(pc, options.iceGatheringMs);
      const answer = { sdp: description.sdp, type: 'answer', offer_id: offer.offer_id, created_ms: Date.now() };
      const answerKey = this.keys.answers[slot];
      await gateway.put(answerKey, await format.encodeAnswer(answer, answerKey, { message: offer, keys: found.reading.keys }), signal);
      this.log('Answer SDP stored in DHT.');
      const channel = await within(channelPromise, options.connectTimeoutMs, 'the WebRTC connection to the offerer (ICE and DTLS)', signal);
      const firstMessage = nextMessage(channel);
      await within(channelOpen(channel), options.connectTimeoutMs, 'the data channel to open', signal);
      this.log('WebRTC connection established.');
      const hello = await within(firstMessage, options.connectTimeoutMs, "the offerer's greeting", signal);
      checkGreeting(hello);
      this.log(`Received message on '${channel.label}': ${hello}`);
      this.log(`Data channel '${channel.label}' is open`);
      channel.send(greeting);
      return { pc, channel, peer, speaksPeer: Boolean(offer.offer_id) };
    } catch (e) {
      pc.close();
      throw e;
    }
  }
}

export { sleep };
