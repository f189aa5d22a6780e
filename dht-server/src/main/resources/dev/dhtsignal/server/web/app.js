// The page: a form to connect as offerer or answerer, a transcript of the signaling steps, chat and files.

import { Gateway } from './gateway.js';
import { PlainFormat, SealedFormat, newSessionCode, normalizeCode, sharedSecret } from './formats.js';
import { Offerer, Answerer } from './signaling.js';
import { looksLikeShortCode, parseShortCode, words } from './shortcode.js';
import { LONGEST_WAIT_MS } from './formats.js';
import { Conversation } from './conversation.js';
import { displayable } from './peertext.js';

const $ = (id) => document.getElementById(id);
const gateway = new Gateway();
let running = null;       // {abort: AbortController}
let conversation = null;
// The short codes this browser has tried, kept in its storage (spent-codes.js), made on first use; a storage
// failure is one warning in the transcript.
let spent = null;

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

// Everything shown passes through displayable(): lines, greetings, file names and reasons come from the
// other peer, and transcript lines quote values read from the DHT.
function showError(message) {
  const e = $('error');
  e.textContent = displayable(message);
  e.hidden = !message;
}

function transcript(line, warn = false) {
  const li = document.createElement('li');
  li.textContent = displayable(line);
  if (warn) li.className = 'warn';
  $('transcript').append(li);
}

function chatLine(text, who) {
  const li = document.createElement('li');
  li.className = who;
  li.textContent = displayable(text);
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

function mode() {
  return document.querySelector('input[name=mode]:checked').value;
}

function role() {
  return document.querySelector('input[name=role]:checked').value;
}

function showModeFields() {
  $('code-field').hidden = mode() !== 'session';
  $('secret-field').hidden = mode() !== 'secret';
}

function setConnectedControls(on) {
  for (const id of ['chat-input', 'chat-send', 'file-input', 'file-send']) $(id).disabled = !on;
}

function setFormLocked(locked) {
  for (const el of $('setup').querySelectorAll('input, button')) {
    if (el.id !== 'stop') el.disabled = locked;
  }
  $('stop').disabled = !locked;
}

/**
 * What the form asks for: {format} for plain, a secret or a long code; {shortCode} (null: make one) for a
 * short code, whose format comes from its key exchange. Throws an Error with a message for the person.
 */
async function chosenPlan() {
  const offerName = $('offer-key').value.trim();
  const answerName = $('answer-key').value.trim();
  if (!offerName || !answerName) throw new Error('the offer and answer keys must not be empty');
  if (offerName === answerName) throw new Error(`the offer and answer keys must differ, both are '${offerName}'`);
  switch (mode()) {
    case 'plain':
      return { format: new PlainFormat(offerName, answerName) };
    case 'secret': {
      const secret = $('secret').value;
      if (!secret) throw new Error('type the shared secret, or choose another protection');
      return { format: new SealedFormat(sharedSecret(null, secret), offerName, answerName) };
    }
    default: {
      const code = $('code').value.trim();
      if (!code) {
        if (role() === 'answer') throw new Error('type the session code the other peer shows');
        return { shortCode: null, offerName, answerName };
      }
      const list = await words();
      if (looksLikeShortCode(code, list)) return { shortCode: parseShortCode(code, list), offerName, answerName };
      normalizeCode(code);
      return { format: new SealedFormat(sharedSecret(code, null), offerName, answerName) };
    }
  }
}

/** The link that opens this page ready to join with the code. */
function joinLink(code) {
  return `${location.origin}${location.pathname}#${code}`;
}

/** Shows a short code made here: in the form, the transcript, and as a link and command for the other side. */
function showCode(code) {
  $('code').value = String(code);
  transcript(`Session code: ${code}`);
  const link = $('share-link');
  link.href = joinLink(code);
  link.textContent = joinLink(code);
  $('share-command').textContent = `answerer --session ${code}`;
  $('share').hidden = false;
}

/**
 * A short code's key exchange (pake.js) before the signaling: makes and shows the code, or joins with the
 * typed one, and gives the sealed format under the key it ends in (one slot, as the Java peers).
 */
async function keyExchange(plan, args, offering, abort) {
  // Loaded only when a short code is used, as the curve library is: a page's every file counts against the
  // gateway's request rate for its address, and a module refused there stops the page.
  const [{ JoiningHandshake, OfferingHandshake }, { SpentCodes }] = await Promise.all([import('./handshake.js'), import('./spent-codes.js')]);
  if (!spent) spent = new SpentCodes((line) => transcript(line, true));
  const settings = { ...args, spent, offerName: plan.offerName, answerName: plan.answerName };
  const handshake = offering ? new OfferingHandshake(settings) : new JoiningHandshake(settings);
  abort.signal.addEventListener('abort', () => handshake.release(), { once: true });
  transcript(!offering ? `Key exchange with the offerer at nameplate ${plan.shortCode.nameplate}...`
    : plan.shortCode ? `Claiming nameplate ${plan.shortCode.nameplate} for the code ${plan.shortCode}...` : 'Claiming a nameplate for a new short code...');
  const agreed = offering ? await handshake.run(await words(), showCode, plan.shortCode) : await handshake.run(plan.shortCode);
  transcript('The code checked out on both sides: the offer and answer are sealed with the key it gave.');
  return { handshake, format: new SealedFormat(null, plan.offerName, plan.answerName, agreed.rootKey) };
}

function iceServers() {
  const url = $('ice').value.trim();
  if (!url) return [];
  if (!/^(stun|stuns|turn|turns):/.test(url)) throw new Error(`'${url}' is not a stun: or turn: address`);
  return [{ urls: url }];
}

async function connect(event) {
  event.preventDefault();
  showError('');
  $('share').hidden = true;
  let plan;
  let options;
  try {
    plan = await chosenPlan();
    const timeout = Number($('timeout').value);
    if (!Number.isFinite(timeout) || timeout < 1 || timeout > 3600) throw new Error('the wait must be 1 to 3600 seconds');
    // What an offerer writes lives as long as it waits, and readers believe no offer or claim that says it
    // lives longer than 10 minutes (and the clock allowance): a longer wait would only publish what nobody takes.
    if (role() === 'offer' && timeout * 1000 > LONGEST_WAIT_MS) {
      throw new Error(`a wait of ${timeout} s is too long to start with: the starting side waits at most ${LONGEST_WAIT_MS / 1000} s (the other side believes no offer or code that says it lives longer)`);
    }
    const connectTimeout = Number($('connect-timeout').value);
    if (!Number.isFinite(connectTimeout) || connectTimeout < 1 || connectTimeout > 600) throw new Error('connecting may take 1 to 600 seconds');
    options = { iceServers: iceServers(), timeoutMs: timeout * 1000, connectTimeoutMs: connectTimeout * 1000 };
  } catch (e) {
    showError(e.message);
    return;
  }
  $('transcript').replaceChildren();
  const abort = new AbortController();
  running = { abort };
  setFormLocked(true);
  options.iceServers = options.iceServers.concat(await gateway.iceServers(abort.signal));  // the node's STUN and TURN
  const offering = role() === 'offer';
  const args = { gateway, format: plan.format, options, log: (l) => transcript(l), warn: (l) => transcript(l, true), signal: abort.signal };
  let handshake = null;
  setState('working', offering ? 'Publishing the offer and waiting for the other peer...' : 'Waiting for an offer...');
  try {
    if (!plan.format) {
      const agreed = await keyExchange(plan, { gateway, timeoutMs: options.timeoutMs, signal: abort.signal, log: args.log, warn: args.warn }, offering, abort);
      handshake = agreed.handshake;
      args.format = agreed.format;
      args.options = { ...options, slots: 1 };
    } else if (plan.format.sealed) {
      transcript('Deriving the session keys...');
    } else {
      transcript('Plain mode: anyone who can reach the DHT can read and replace the connection details.', true);
    }
    const link = offering ? await new Offerer(args).connect() : await new Answerer(args).connect();
    if (abort.signal.aborted) {
      link.pc.close();
      return;
    }
    conversation = new Conversation({
      pc: link.pc,
      chat: link.channel,
      peer: link.peer,
      speaksPeer: link.speaksPeer,
      handlers: {
        onLine: (text) => chatLine(text, 'them'),
        onNotice: (text) => transcript(text),
        onFile: (t) => showTransfer(t),
        onProgress: (t) => showTransfer(t),
        onClosed: () => {
          if (document.body.dataset.state === 'connected') {
            setState('closed', conversation && conversation.closeReason
              ? `The other peer closed the connection: ${displayable(conversation.closeReason)}` : 'The other peer left.');
          }
          setConnectedControls(false);
          setFormLocked(false);
          conversation = null;
        },
      },
    });
    // For the browser tests, which report the candidates in use and play a hostile peer on `peer`.
    window.dhtPeer = { pc: link.pc, peer: link.peer };
    setConnectedControls(true);
    if (!link.speaksPeer) {
      $('file-input').disabled = true;
      $('file-send').disabled = true;
    }
    setState('connected', `Connected${args.format.sealed ? ' (sealed signaling)' : ''}${link.speaksPeer ? '' : ' to an original peer: chat only'}.`);
    $('chat-input').focus();
  } catch (e) {
    if (abort.signal.aborted) return;
    setState('failed', 'Not connected.');
    showError(e.message);
    setFormLocked(false);
  } finally {
    if (handshake) handshake.release();
    running = null;
  }
}

function stop() {
  if (running) running.abort.abort();
  if (conversation) conversation.close();
  setState('closed', 'Stopped.');
  setConnectedControls(false);
  setFormLocked(false);
}

function sendChat(event) {
  event.preventDefault();
  const text = $('chat-input').value;
  if (!conversation || text === '') return;
  try {
    conversation.sendLine(text);
    chatLine(text, 'me');
    $('chat-input').value = '';
  } catch (e) {
    showError(`sending failed: ${e.message}`);
  }
}

function sendFile(event) {
  event.preventDefault();
  const files = $('file-input').files;
  if (!conversation || files.length === 0) return;
  for (const f of files) conversation.sendFile(f).catch((e) => showError(`${f.name} not sent: ${e.message}`));
  $('file-input').value = '';
}

const transferRows = new Map();

function describeTransfer(t) {
  const pct = t.size === 0 ? 100 : Math.floor((t.done / t.size) * 100);
  const verb = t.direction === 'in' ? 'Receiving' : 'Sending';
  switch (t.state) {
    case 'done': return `${t.name}: ${t.direction === 'in' ? 'received' : 'delivered'}, ${t.size} bytes, checked`;
    case 'failed': return `${t.name}: failed (${t.reason})`;
    case 'refused': return `${t.name}: refused by the other peer (${t.reason})`;
    case 'offered': return `${t.name}: waiting for the other peer to accept`;
    case 'sent': return `${t.name}: sent, waiting for the other peer's check`;
    default: return `${verb} ${t.name}: ${pct}%`;
  }
}

function showTransfer(t) {
  const id = `${t.direction}-${t.id}`;
  let row = transferRows.get(id);
  if (!row) {
    const li = document.createElement('li');
    li.dataset.direction = t.direction;
    const label = document.createElement('span');
    label.className = 'label';
    const bar = document.createElement('progress');
    bar.max = 100;
    li.append(label, bar);
    $('transfers').append(li);
    row = { li, label, bar };
    transferRows.set(id, row);
  }
  row.li.dataset.state = t.state;
  row.label.textContent = displayable(describeTransfer(t));
  row.bar.value = t.size === 0 ? 100 : Math.floor((t.done / t.size) * 100);
  row.bar.setAttribute('aria-label', displayable(`${t.name} progress`));
  if (t.url && !row.link) {
    row.link = document.createElement('a');
    row.link.href = t.url;
    row.link.download = t.name;
    row.link.textContent = displayable(`Save ${t.name}`);
    row.li.append(' ', row.link);
  }
}

$('setup').addEventListener('submit', connect);
$('stop').addEventListener('click', stop);
$('chat-form').addEventListener('submit', sendChat);
$('file-form').addEventListener('submit', sendFile);
$('new-code').addEventListener('click', () => {
  $('code').value = newSessionCode();
});
for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', showModeFields);

/**
 * A link with a code in its fragment opens the page ready to join: HOST:PORT/#7-guitarist-revenge (as
 * the Java offerer prints it), or the older #code=K7QX-M2PD-9RTA. The fragment never reaches the server.
 */
function codeFromLink(fragment) {
  if (fragment.startsWith('code=')) return new URLSearchParams(fragment).get('code') || '';
  try {
    return decodeURIComponent(fragment).trim();
  } catch {
    return '';
  }
}

const linked = codeFromLink(location.hash.slice(1));
if (linked) {
  $('code').value = linked;
  $('role-answer').checked = true;
  $('mode-session').checked = true;
  setState('idle', `Ready to join with the code ${displayable(linked)}: press Connect.`);
  $('start').focus();
}
showModeFields();
